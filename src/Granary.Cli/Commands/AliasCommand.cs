using System.CommandLine;
using System.Text.Json;
using Granary.Client.Paths;
using Granary.Core.Caps;

namespace Granary.Cli.Commands;

/// <summary><c>granary alias create|add|list</c>: names for directory caps, kept as Tahoe keeps them in <c>private/aliases</c>.</summary>
internal static class AliasCommand
{
    public static Command Create()
    {
        var command = new Command("alias", "Name directory caps so that paths can be written NAME:path/to/file (Tahoe's aliases; the default alias is 'tahoe').");
        command.Subcommands.Add(CreateCommand());
        command.Subcommands.Add(AddCommand());
        command.Subcommands.Add(ListCommand());
        return command;
    }

    private static Command CreateCommand()
    {
        var name = new Argument<string>("NAME") { Description = "The alias to make." };
        var format = ClientOptions.Format("The new directory's format: sdmf (default, as Tahoe) or mdmf.");
        var clientDir = ClientOptions.ClientDir();
        var command = new Command("create", "Make a new empty directory on the grid and name it NAME.") { name, format, clientDir };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var alias = context.Parse.GetValue(name)!;
            RequireFreeName(context, clientDir, alias);
            var mutableFormat = ClientOptions.ParseFormat(context.Parse.GetValue(format)) ?? Core.Mutable.MutableFormat.Sdmf;
            var client = await ClientOptions.ConnectAsync(context, clientDir, cancellationToken);
            var directory = await client.Nodes.CreateDirectoryAsync(mutableFormat, [], cancellationToken);
            var clientDirectory = ClientOptions.OpenDirectory(context, clientDir);
            clientDirectory.Aliases.Add(alias, directory.DirectoryCap);
            await ClientOptions.KeepNewAsync(context, clientDirectory, client, directory.DirectoryCap, cancellationToken);
            await context.Output.WriteLineAsync($"Alias '{alias}' created");
            return GranaryCli.Success;
        });
        return command;
    }

    private static Command AddCommand()
    {
        var name = new Argument<string>("NAME") { Description = "The alias to add." };
        var capArgument = new Argument<string>("CAP") { Description = "A directory cap (URI:DIR2…)." };
        var clientDir = ClientOptions.ClientDir();
        var command = new Command("add", "Name an existing directory cap NAME.") { name, capArgument, clientDir };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var alias = context.Parse.GetValue(name)!;
            RequireFreeName(context, clientDir, alias);
            if (ClientOptions.ParseCap(context, capArgument) is not DirectoryCap cap)
            {
                throw new UsageException("an alias names a directory: give a directory cap (URI:DIR2…)");
            }

            ClientOptions.OpenDirectory(context, clientDir).Aliases.Add(alias, cap);
            await context.Output.WriteLineAsync($"Alias '{alias}' added");
            return GranaryCli.Success;
        });
        return command;
    }

    private static Command ListCommand()
    {
        var json = new Option<bool>("--json") { Description = "Print {name: {readwrite, readonly}} as JSON." };
        var clientDir = ClientOptions.ClientDir();
        var command = new Command("list", "List the aliases and their caps.") { json, clientDir };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var aliases = ClientOptions.OpenDirectory(context, clientDir).Aliases.List();
            if (context.Parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(JsonSerializer.Serialize(aliases.ToDictionary(
                    a => a.Name, a => new { readwrite = a.Cap.IsWritable ? a.Cap.ToString() : null, @readonly = a.Cap.ReadOnlyCap?.ToString() })));
            }
            else
            {
                foreach (var (alias, cap) in aliases)
                {
                    await context.Output.WriteLineAsync($"{alias}: {cap}");
                }
            }

            return GranaryCli.Success;
        });
        return command;
    }

    private static void RequireFreeName(CommandContext context, Option<DirectoryInfo> clientDir, string alias)
    {
        if (!AliasTable.IsValidName(alias))
        {
            throw new UsageException($"'{alias}' cannot be an alias: use letters, digits, '-', '_' and '.'");
        }

        if (ClientOptions.OpenDirectory(context, clientDir).Aliases.Find(alias) is not null)
        {
            throw new InvalidOperationException($"the alias '{alias}' already exists");
        }
    }
}
