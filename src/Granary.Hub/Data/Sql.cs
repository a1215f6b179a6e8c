using System.Data.Common;

namespace Granary.Hub.Data;

/// <summary>Building a command with named parameters, the same way on either database.</summary>
internal static class Sql
{
    public static DbCommand Command(DbConnection connection, string text, params ReadOnlySpan<(string Name, object Value)> parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = text;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return command;
    }
}
