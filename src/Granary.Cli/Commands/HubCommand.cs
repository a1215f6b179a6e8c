using System.CommandLine;
using Granary.Hosting;
using Granary.Hub;
using Granary.Hub.Data;
using Microsoft.AspNetCore.Builder;

namespace Granary.Cli.Commands;

/// <summary><c>granary hub create|run|show DIR</c>: the introducer, farmer registry and dashboard.</summary>
internal static class HubCommand
{
    public static Command Create()
    {
        var command = new Command("hub", "Create, run and inspect a hub: introducer, dataserv-compatible farmer registry and dashboard.");
        command.Subcommands.Add(CreateHub());
        command.Subcommands.Add(Run());
        command.Subcommands.Add(Show());
        return command;
    }

    private static Argument<DirectoryInfo> DirArgument() => new("DIR") { Description = "The hub's directory." };

    private static Option<string> DatabaseOption() => new("--database")
    {
        Description = "A PostgreSQL URL (postgresql://user:password@host:5432/database); default: SQLite in DIR.",
        HelpName = "URL",
    };

    private static Command CreateHub()
    {
        var dir = DirArgument();
        var port = new Option<int?>("--port") { Description = "TCP port to serve on (default: a free port, chosen now and kept)." };
        var host = new Option<string>("--host") { Description = "Address to listen on.", DefaultValueFactory = _ => "127.0.0.1" };
        var database = DatabaseOption();
        var command = new Command("create", "Create a hub directory: settings (hub.json) and a new hub key, whose address farmers sign to.") { dir, port, host, database };
        CommandRunner.SetAction(command, async (context, _) =>
        {
            var parse = context.Parse;
            var options = new HubOptions { Host = parse.GetValue(host)!, Port = parse.GetValue(port) ?? NodeCommand.FreePort(), Database = parse.GetValue(database) };
            HubDirectory hub;
            try
            {
                hub = HubDirectory.Create(parse.GetValue(dir)!.FullName, options);
            }
            catch (InvalidOperationException e)
            {
                throw new UsageException(e.Message);
            }

            await context.Output.WriteLineAsync($"created hub {hub.Address} in {hub.Path}");
            await context.Output.WriteLineAsync($"it will serve http://{hub.Options.Host}:{hub.Options.Port}/ ('granary hub run {hub.Path}')");
            return GranaryCli.Success;
        });
        return command;
    }

    private static Command Run()
    {
        var dir = DirArgument();
        var urls = new Option<string>("--urls") { Description = "Where to listen, e.g. http://0.0.0.0:8080 (default: hub.json's host and port).", HelpName = "URL" };
        var database = DatabaseOption();
        var maxPing = new Option<int?>("--max-ping") { Description = "dataserv's MAX_PING: seconds between pings that move a farmer's last-seen time (default 60).", HelpName = "SECONDS" };
        var onlineWindow = new Option<int?>("--online-window") { Description = "Seconds since a farmer was last seen within which it counts as online (default 300).", HelpName = "SECONDS" };
        var authWindow = new Option<int?>("--auth-window") { Description = "How far a farmer's signed Date may be from the hub's clock (default 20).", HelpName = "SECONDS" };
        var cacheSeconds = new Option<int?>("--cache-seconds") { Description = "Lifetime of cached /api/address, /api/online, /api/online/json and /api/total responses; 0 turns caching off (default 30).", HelpName = "SECONDS" };
        var command = new Command("run", "Serve the hub until Ctrl-C or SIGTERM. Prints its URL on standard output; logs go to standard error.")
        {
            dir, urls, database, maxPing, onlineWindow, authWindow, cacheSeconds,
        };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var parse = context.Parse;
            var listen = parse.GetValue(urls) is { } text ? ParseListenUrl(text) : null;
            var hub = Open(parse.GetValue(dir)!, options =>
            {
                if (listen is not null)
                {
                    (options.Host, options.Port) = (listen.Host, listen.Port);
                }

                options.Database = parse.GetValue(database) ?? options.Database;
                options.MaxPingSeconds = parse.GetValue(maxPing) ?? options.MaxPingSeconds;
                options.OnlineWindowSeconds = parse.GetValue(onlineWindow) ?? options.OnlineWindowSeconds;
                options.AuthWindowSeconds = parse.GetValue(authWindow) ?? options.AuthWindowSeconds;
                options.CacheSeconds = parse.GetValue(cacheSeconds) ?? options.CacheSeconds;
            });

            WebApplication app;
            try
            {
                app = await HubHost.BuildAsync(hub, new ServerHostOptions { Logging = Daemon.ConfigureLogging }, cancellationToken);
            }
            catch (System.Data.Common.DbException e)
            {
                throw new IOException($"cannot open the hub database: {e.Message}", e);
            }

            return await Daemon.ServeAsync(context, app, $"{hub.Options.Host}:{hub.Options.Port}", () => HubHost.ListeningUrl(app).ToString(), cancellationToken);
        });
        return command;
    }

    private static Command Show()
    {
        var dir = DirArgument();
        var command = new Command("show", "Print the hub's address, URL and database.") { dir };
        CommandRunner.SetAction(command, async (context, _) =>
        {
            var hub = Open(context.Parse.GetValue(dir)!);
            await using var database = HubDatabase.Open(hub);
            await context.Output.WriteLineAsync($"address:   {hub.Address}");
            await context.Output.WriteLineAsync($"URL:       http://{hub.Options.Host}:{hub.Options.Port}/ (dashboard at /ui/)");
            await context.Output.WriteLineAsync($"database:  {database.Description}");
            await context.Output.WriteLineAsync($"encoding:  {hub.Options.Encoding.Needed}-of-{hub.Options.Encoding.Total}, happy {hub.Options.Encoding.Happy}");
            return GranaryCli.Success;
        });
        return command;
    }

    private static HubDirectory Open(DirectoryInfo dir, Action<HubOptions>? overrides = null)
    {
        try
        {
            return HubDirectory.Open(dir.FullName, overrides);
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidOperationException)
        {
            throw new UsageException(e.Message);
        }
    }

    private static Uri ParseListenUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme == "http" && uri.AbsolutePath == "/"
            ? uri
            : throw new UsageException($"--urls '{text}' is not like http://HOST:PORT");
}
