using Npgsql;

namespace Granary.Hub.Data;

/// <summary><c>postgresql://user:password@host:port/database?option=value</c> as an Npgsql connection string.</summary>
public static class PostgresUrl
{
    public static bool TryParse(string url, out NpgsqlConnectionStringBuilder? builder, out string error)
    {
        builder = null;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("postgresql" or "postgres"))
        {
            error = "expected a URL like postgresql://user:password@host:5432/database";
            return false;
        }

        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length == 0 || uri.Host.Length == 0)
        {
            error = "the URL must name a host and a database (postgresql://user:password@host:5432/database)";
            return false;
        }

        var result = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
            Database = database,
        };
        var userInfo = uri.UserInfo.Split(':', 2);
        if (userInfo[0].Length > 0)
        {
            result.Username = Uri.UnescapeDataString(userInfo[0]);
        }

        if (userInfo.Length == 2)
        {
            result.Password = Uri.UnescapeDataString(userInfo[1]);
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(parts[0]);
            try
            {
                result[key is "sslmode" ? "SSL Mode" : key] = parts.Length == 2 ? Uri.UnescapeDataString(parts[1]) : "";
            }
            catch (ArgumentException)
            {
                error = $"unknown connection option '{key}'";
                return false;
            }
        }

        builder = result;
        error = "";
        return true;
    }

    /// <summary>The URL without its password, for logs and messages.</summary>
    public static string Redact(NpgsqlConnectionStringBuilder builder) =>
        $"postgresql://{(builder.Username is { Length: > 0 } user ? user + "@" : "")}{builder.Host}:{builder.Port}/{builder.Database}";
}
