using System.CommandLine;
using Granary.Core.Formats;
using Granary.Hosting;
using Granary.Hub;
using Granary.Hub.Data;
using Granary.Hub.Tracker.Federation;
using Microsoft.AspNetCore.Builder;

namespace Granary.Cli.Commands;

/// <summary><c>granary hub create|run|show DIR</c>: the introducer, farmer registry and dashboard.</summary>
internal static class HubCommand
{
    public static Command Create()
    {
        var command = new Command("hub", "Create, run and inspect a hub: introducer, dataserv-compatible farmer registry, P2PFlix file tracker and dashboard.");
        command.Subcommands.Add(CreateHub());
        command.Subcommands.Add(Run());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Members());
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
        var trackerId = new Option<string>("--tracker-id") { Description = "This hub's id among federated trackers (default: the hub's address).", HelpName = "ID" };
        var trackerUrls = TrackerUrlsOption();
        var command = new Command("create", "Create a hub directory: settings (hub.json) and a new hub key, whose address farmers sign to.")
        {
            dir, port, host, database, trackerId, trackerUrls,
        };
        CommandRunner.SetAction(command, async (context, _) =>
        {
            var parse = context.Parse;
            var options = new HubOptions { Host = parse.GetValue(host)!, Port = parse.GetValue(port) ?? NodeCommand.FreePort(), Database = parse.GetValue(database) };
            options.Tracker.TrackerId = parse.GetValue(trackerId);
            options.Tracker.Urls = parse.GetValue(trackerUrls) is { } listen ? ParseListenUrl(listen, "--tracker-urls").ToString() : null;
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
            await context.Output.WriteLineAsync($"and the P2PFlix tracker {hub.Options.Tracker.EffectiveId(hub.Address)} at {hub.Options.Tracker.ListenUrl(hub.Options.Host)}");
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
        var trackerUrls = TrackerUrlsOption();
        var keepAlive = new Option<int?>("--tracker-keepalive-timeout") { Description = "Seconds after its last keep-alive that a tracker peer still counts as active (default 20).", HelpName = "SECONDS" };
        var rateLimit = new Option<int?>("--tracker-rate-limit") { Description = "Tracker requests per second one peer IP may make (answered 429 beyond it, after a burst of four seconds' worth); 0 turns the limit off (default 1000).", HelpName = "N" };
        var legacy = new Option<bool>("--tracker-legacy-status") { Description = "Answer every tracker request with HTTP 200, as the original P2PFlix tracker (for the unmodified client)." };
        var noTracker = new Option<bool>("--no-tracker") { Description = "Do not serve the P2PFlix tracker (tracker.enabled false in hub.json does the same)." };
        var contractInterval = new Option<int?>("--contract-interval") { Description = "Downstream contracts: seconds per challenge round; a challenge not answered within it fails the contract (default 300; the real farmer needs at least about 12).", HelpName = "SECONDS" };
        var whitelist = new Option<string[]>("--downstream-whitelist") { Description = "Downstream: the only addresses that may register a token (default: anyone may).", HelpName = "ADDR", AllowMultipleArgumentsPerToken = true };
        var testChunkSize = new Option<string>("--test-chunk-size") { Description = "Downstream: the size of every test chunk handed out, e.g. 32MiB (default 33554432).", HelpName = "SIZE" };
        var maxTokensPerIp = new Option<int?>("--max-tokens-per-ip") { Description = "Downstream: tokens one client IP may hold; 0 means no limit (default 5).", HelpName = "N" };
        var maxContractBytes = new Option<string>("--max-contract-bytes") { Description = "Downstream: contract bytes one address may ever be given, over all its tokens (default 1GiB).", HelpName = "SIZE" };
        var auditInterval = new Option<int?>("--audit-interval") { Description = "Keeper: seconds between audit passes over the kept shares (default 3600).", HelpName = "SECONDS" };
        var checkerInterval = new Option<int?>("--checker-interval") { Description = "Keeper: seconds between checker passes: reachability, lease renewal, healthy shares counted, repair (default 14400).", HelpName = "SECONDS" };
        var leaseRenew = new Option<int?>("--keeper-lease-renew") { Description = "Keeper: seconds after which the hub renews its lease on a kept share (default 604800, a week).", HelpName = "SECONDS" };
        var noKeeper = new Option<bool>("--no-keeper") { Description = "Do not keep files for clients (keeper.enabled false in hub.json does the same)." };
        var command = new Command("run", "Serve the hub until Ctrl-C or SIGTERM. Prints its URL on standard output (then 'tracker URL'); logs go to standard error.")
        {
            dir, urls, database, maxPing, onlineWindow, authWindow, cacheSeconds, trackerUrls, keepAlive, rateLimit, legacy, noTracker,
            contractInterval, whitelist, testChunkSize, maxTokensPerIp, maxContractBytes, auditInterval, checkerInterval, leaseRenew, noKeeper,
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
                options.Tracker.Urls = parse.GetValue(trackerUrls) is { } listenTracker ? ParseListenUrl(listenTracker, "--tracker-urls").ToString() : options.Tracker.Urls;
                options.Tracker.KeepAliveTimeoutSeconds = parse.GetValue(keepAlive) ?? options.Tracker.KeepAliveTimeoutSeconds;
                if (parse.GetValue(rateLimit) is { } perSecond)
                {
                    // The burst follows the rate unless hub.json sets one that still fits it.
                    options.Tracker.RateLimitPerSecond = perSecond;
                    options.Tracker.RateLimitBurst = options.Tracker.RateLimitBurst >= perSecond ? options.Tracker.RateLimitBurst : 0;
                }

                options.Tracker.LegacyHttpStatus |= parse.GetValue(legacy);
                options.Tracker.Enabled &= !parse.GetValue(noTracker);
                options.Downstream.ContractIntervalSeconds = parse.GetValue(contractInterval) ?? options.Downstream.ContractIntervalSeconds;
                options.Downstream.Whitelist = parse.GetValue(whitelist) is { Length: > 0 } addresses ? [.. addresses] : options.Downstream.Whitelist;
                options.Downstream.TestChunkSize = Size(parse.GetValue(testChunkSize), "--test-chunk-size") ?? options.Downstream.TestChunkSize;
                options.Downstream.MaxTokensPerIp = parse.GetValue(maxTokensPerIp) ?? options.Downstream.MaxTokensPerIp;
                options.Downstream.MaxContractBytes = Size(parse.GetValue(maxContractBytes), "--max-contract-bytes") ?? options.Downstream.MaxContractBytes;
                options.Keeper.AuditIntervalSeconds = parse.GetValue(auditInterval) ?? options.Keeper.AuditIntervalSeconds;
                options.Keeper.CheckerIntervalSeconds = parse.GetValue(checkerInterval) ?? options.Keeper.CheckerIntervalSeconds;
                options.Keeper.LeaseRenewSeconds = parse.GetValue(leaseRenew) ?? options.Keeper.LeaseRenewSeconds;
                options.Keeper.Enabled &= !parse.GetValue(noKeeper);
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

            return await Daemon.ServeAsync(context, app, $"{hub.Options.Host}:{hub.Options.Port}", () => HubHost.Tracker(app) is { } tracker
                ? $"{HubHost.ListeningUrl(app)}\ntracker {tracker.Url}"
                : HubHost.ListeningUrl(app).ToString(), cancellationToken);
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
            await context.Output.WriteLineAsync(hub.Options.Tracker.Enabled
                ? $"tracker:   {hub.Options.Tracker.EffectiveId(hub.Address)} at {hub.Options.Tracker.ListenUrl(hub.Options.Host)} ({TrackerMembers.Load(TrackerMembers.PathIn(hub.Path)).Count} federation members)"
                : "tracker:   off");
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

    private static long? Size(string? text, string option) =>
        text is null ? null : ByteSize.TryParse(text, out var bytes, out var error) ? bytes : throw new UsageException($"{option}: {error}");

    private static Uri ParseListenUrl(string text, string option = "--urls") =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme == "http" && uri.AbsolutePath == "/"
            ? uri
            : throw new UsageException($"{option} '{text}' is not like http://HOST:PORT");

    private static Option<string> TrackerUrlsOption() => new("--tracker-urls")
    {
        Description = "Where the P2PFlix tracker listens, e.g. http://0.0.0.0:42070 (default: the hub's host, port 42070).",
        HelpName = "URL",
    };

    // granary hub members add|remove|list DIR: the federation's members, with their shared keys (0600).
    private static Command Members()
    {
        var command = new Command("members", "Edit the tracker's federation members; a running hub picks changes up within a second.");
        var addDir = DirArgument();
        var id = new Option<string>("--id") { Description = "The member's tracker id (its hub's --tracker-id).", Required = true, HelpName = "ID" };
        var url = new Option<string>("--url") { Description = "The member's tracker URL, e.g. http://10.0.0.2:42070/.", Required = true, HelpName = "URL" };
        var key = new Option<string>("--key") { Description = "The 32-byte key this pair of trackers shares, in base64 (e.g. openssl rand -base64 32).", Required = true, HelpName = "BASE64" };
        var name = new Option<string>("--name") { Description = "A name to show (default: the id)." };
        var join = new Option<bool>("--join") { Description = "Take this member's whole state (a snapshot) once, as a newcomer to the federation." };
        var add = new Command("add", "Add a member, or change one with the same id.") { addDir, id, url, key, name, join };
        CommandRunner.SetAction(add, async (context, _) =>
        {
            var parse = context.Parse;
            var hub = Open(parse.GetValue(addDir)!);
            TrackerMember member;
            try
            {
                member = TrackerMembers.Create(parse.GetValue(id)!, parse.GetValue(name), parse.GetValue(url)!, parse.GetValue(key)!, parse.GetValue(join));
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }

            if (member.Id == hub.Options.Tracker.EffectiveId(hub.Address))
            {
                throw new UsageException($"'{member.Id}' is this hub's own tracker id");
            }

            var path = TrackerMembers.PathIn(hub.Path);
            var members = LoadMembers(path).Where(m => m.Id != member.Id).Append(member).ToList();
            TrackerMembers.Save(path, members);
            await context.Output.WriteLineAsync($"member {member.Id} at {member.Url} ({members.Count} in all)");
            return GranaryCli.Success;
        });

        var removeDir = DirArgument();
        var removeId = new Option<string>("--id") { Description = "The member's tracker id.", Required = true, HelpName = "ID" };
        var remove = new Command("remove", "Remove a member; its queue is kept until it is added again or the log is pruned.") { removeDir, removeId };
        CommandRunner.SetAction(remove, async (context, _) =>
        {
            var hub = Open(context.Parse.GetValue(removeDir)!);
            var path = TrackerMembers.PathIn(hub.Path);
            var members = LoadMembers(path);
            var gone = context.Parse.GetValue(removeId)!;
            if (members.All(m => m.Id != gone))
            {
                await context.Error.WriteLineAsync($"no member {gone}");
                return 1;
            }

            TrackerMembers.Save(path, members.Where(m => m.Id != gone));
            await context.Output.WriteLineAsync($"removed member {gone}");
            return GranaryCli.Success;
        });

        var listDir = DirArgument();
        var list = new Command("list", "List the members (id, name, URL; keys are not shown).") { listDir };
        CommandRunner.SetAction(list, async (context, _) =>
        {
            var hub = Open(context.Parse.GetValue(listDir)!);
            await context.Output.WriteLineAsync($"this tracker: {hub.Options.Tracker.EffectiveId(hub.Address)}");
            foreach (var member in LoadMembers(TrackerMembers.PathIn(hub.Path)))
            {
                await context.Output.WriteLineAsync($"{member.Id}\t{member.Name}\t{member.Url}{(member.Join ? "\tjoin" : "")}");
            }

            return GranaryCli.Success;
        });

        command.Subcommands.Add(add);
        command.Subcommands.Add(remove);
        command.Subcommands.Add(list);
        return command;
    }

    private static List<TrackerMember> LoadMembers(string path)
    {
        try
        {
            return [.. TrackerMembers.Load(path)];
        }
        catch (InvalidDataException e)
        {
            throw new UsageException(e.Message);
        }
    }
}
