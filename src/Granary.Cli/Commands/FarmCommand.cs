using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Granary.Client.Farming;
using Granary.Core.Formats;
using Granary.Core.Proofs;

namespace Granary.Cli.Commands;

/// <summary>
/// <c>granary farm build|audit</c>: dataserv-client 2.1.4's height shards. <c>build</c> fills a folder
/// with seeded 128 MiB shards byte-identical to dataserv-client's; <c>audit</c> answers a hub's
/// partial-hash challenge over them.
/// </summary>
internal static class FarmCommand
{
    public static Command Create()
    {
        var command = new Command("farm", "Build and audit dataserv height shards (seeded test data that proves free disk space).");
        command.Subcommands.Add(Build());
        command.Subcommands.Add(Audit());
        return command;
    }

    private static Argument<string> StoreArgument() => new("DIR") { Description = "The shard folder (dataserv-client's --store_path)." };

    private static Option<string> AddressOption(bool required, string more = "") => new("--address", "-a")
    {
        Description = "The payout address the shard seeds chain from (dataserv-client uses its config's payout_address)." + more,
        HelpName = "ADDR",
        Required = required,
    };

    private static Option<bool> FolderTreeOption() => new("--folder-tree") { Description = "Shards nested in folders of three seed characters (dataserv-client's --use_folder_tree)." };

    private static Command Build()
    {
        var store = StoreArgument();
        var address = AddressOption(required: false, " Default: the --key file's address.");
        var maxSize = new Option<string>("--max-size")
        {
            Description = "Space to fill, in whole 128 MiB shards (1048576, 512MiB, 1G = 1GiB, 10GB decimal).",
            HelpName = "SIZE",
            DefaultValueFactory = _ => "1GiB",
        };
        var hubs = new Option<string[]>("--hub")
        {
            Description = "Register with this hub (dataserv API) before building and set the height there as dataserv-client does (shard 1, every 25th, the last); repeatable. Needs --key.",
            HelpName = "URL",
        };
        var key = new Option<FileInfo?>("--key") { Description = "The farmer's key file (granary key new --out FILE), which signs the hub calls; its address is the default --address.", HelpName = "FILE" };
        var rebuild = new Option<bool>("--rebuild") { Description = "Write every shard again instead of resuming from the last one present." };
        var folderTree = FolderTreeOption();
        var json = new Option<bool>("--json") { Description = "Print a JSON summary." };
        var command = new Command(
            "build",
            "Fill DIR with dataserv height shards: shard h is RandomIO of the h-th seed of the payout address, named by the seed. "
            + "Resumes from the last shard present, as dataserv-client does.")
        { store, address, maxSize, hubs, key, rebuild, folderTree, json };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var parse = context.Parse;
            var directory = parse.GetValue(store)!;
            if (File.Exists(directory))
            {
                throw new UsageException($"'{directory}' is a file, not a folder");
            }

            if (!ByteSize.TryParse(parse.GetValue(maxSize)!, out var bytes, out var error))
            {
                throw new UsageException($"--max-size: {error}");
            }

            if (HeightShards.TargetHeight(bytes) == 0)
            {
                throw new UsageException($"--max-size {parse.GetValue(maxSize)} holds no shard; shards are 128 MiB, so give at least 128MiB");
            }

            var hubUrls = parse.GetValue(hubs) ?? [];
            using var farmerKey = parse.GetValue(key) is { } keyFile ? ReadKey(keyFile) : null;
            if (hubUrls.Length > 0 && farmerKey is null)
            {
                throw new UsageException("--hub needs --key: the hub only accepts calls the farmer signed");
            }

            var payout = parse.GetValue(address) ?? farmerKey?.Address.ToString() ?? throw new UsageException("give --address (or --key, whose address is the default)");
            var heights = OpenStore(directory, payout, parse.GetValue(folderTree));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
            var farmers = hubUrls.Select(url => new DataservFarmer(http, HubUrl(url), farmerKey!.PrivateKey, TimeProvider.System)).ToArray();
            foreach (var farmer in farmers)
            {
                await farmer.RegisterAsync(payout, cancellationToken);
            }

            var clock = Stopwatch.StartNew();
            HeightBuildResult result;
            using (var line = new ProgressLine(context))
            {
                var progress = new SynchronousProgress<HeightBuildProgress>(p =>
                    line.Report(string.Create(CultureInfo.InvariantCulture, $"shard {p.Height}/{p.TargetHeight}"), p.BytesWritten, p.BytesToWrite));
                result = await heights.BuildAsync(bytes, parse.GetValue(rebuild), progress, heightReached: farmers.Length == 0 ? null : async (height, token) =>
                {
                    foreach (var farmer in farmers)
                    {
                        await farmer.SetHeightAsync(height, token);
                    }
                }, cancellationToken);
            }

            var seconds = clock.Elapsed.TotalSeconds;
            if (parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(JsonSerializer.Serialize(new
                {
                    directory = Path.GetFullPath(directory),
                    height = result.Height,
                    shardSize = HeightShards.ShardSize,
                    shardsWritten = result.ShardsWritten,
                    bytesWritten = result.BytesWritten,
                    seconds,
                    reportedHeights = result.ReportedHeights,
                    hubs = farmers.Select(f => f.Hub.ToString()),
                }));
            }
            else
            {
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"height {result.Height} ({ByteSize.Format(result.Height * HeightShards.ShardSize)}) in {directory}: wrote {result.ShardsWritten} shards, {ByteSize.Format(result.BytesWritten)} in {seconds:0.0} s ({result.BytesWritten / Math.Max(seconds, 1e-3) / 1e6:0} MB/s)"));
            }

            return GranaryCli.Success;
        });
        return command;
    }

    private static Command Audit()
    {
        var store = StoreArgument();
        var address = AddressOption(required: false, " Default: the --key file's address.");
        var challenge = new Option<string>("--challenge", "-c") { Description = "Answer this challenge text here (its UTF-8 bytes seed the partial hashes) and print the answer.", HelpName = "TEXT" };
        var hub = new Option<string>("--hub") { Description = "Have this hub audit the height: it picks shards and a challenge, and judges the answers. Needs --key.", HelpName = "URL" };
        var key = new Option<FileInfo?>("--key") { Description = "The farmer's key file, which signs the hub calls (the key the farmer registered with).", HelpName = "FILE" };
        var height = new Option<long?>("--height") { Description = "With --challenge: answer for the first N shards (default: every shard present).", HelpName = "N" };
        var folderTree = FolderTreeOption();
        var json = new Option<bool>("--json") { Description = "Print JSON (with --challenge, every shard's answer too)." };
        var command = new Command(
            "audit",
            "Answer a height audit. With --challenge: for each of the first N shards, hex(partialhash.sample(shard, 1024, 3, challenge)), and the SHA-256 of their "
            + "concatenation (dataserv-client's Builder.audit). With --hub: the hub challenges a few random shards of the height it was told and says whether they hold; "
            + "exits 1 if not.")
        { store, address, challenge, hub, key, height, folderTree, json };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var parse = context.Parse;
            var directory = parse.GetValue(store)!;
            if (!Directory.Exists(directory))
            {
                throw new UsageException($"'{directory}' is not a folder");
            }

            if ((parse.GetValue(challenge) is null) == (parse.GetValue(hub) is null))
            {
                throw new UsageException("give either --challenge TEXT (answer it here) or --hub URL (have the hub audit the height)");
            }

            if (parse.GetValue(height) is < 0 or > HeightStore.MaxHeight)
            {
                throw new UsageException($"--height must lie between 0 and {HeightStore.MaxHeight}");
            }

            using var farmerKey = parse.GetValue(key) is { } keyFile ? ReadKey(keyFile) : null;
            var payout = parse.GetValue(address) ?? farmerKey?.Address.ToString() ?? throw new UsageException("give --address (or --key, whose address is the default)");
            var heights = OpenStore(directory, payout, parse.GetValue(folderTree));
            if (parse.GetValue(hub) is { } hubUrl)
            {
                if (farmerKey is null)
                {
                    throw new UsageException("--hub needs --key: the hub only accepts calls the farmer signed");
                }

                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
                var verdict = await new DataservFarmer(http, HubUrl(hubUrl), farmerKey.PrivateKey, TimeProvider.System).AuditHeightAsync(heights, cancellationToken);
                await context.Output.WriteLineAsync(parse.GetValue(json)
                    ? JsonSerializer.Serialize(new { passed = verdict.Passed, detail = verdict.Detail })
                    : $"height audit {(verdict.Passed ? "passed" : "FAILED")}: {verdict.Detail}");
                return verdict.Passed ? GranaryCli.Success : GranaryCli.Failure;
            }

            var count = parse.GetValue(height) ?? heights.LastShardPresent();
            if (count == 0)
            {
                throw new InvalidOperationException($"no shards of {heights.PayoutAddress} in {directory}; build them with 'granary farm build'");
            }

            var audit = heights.Audit(Encoding.UTF8.GetBytes(parse.GetValue(challenge)!), count);
            if (parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(JsonSerializer.Serialize(new { height = count, fullAudit = audit.FullAudit, shards = audit.ShardAnswers }));
            }
            else
            {
                await context.Output.WriteLineAsync(audit.FullAudit);
            }

            return GranaryCli.Success;
        });
        return command;
    }

    private static Granary.Core.Identity.NodeKey ReadKey(FileInfo file)
    {
        if (!file.Exists)
        {
            throw new UsageException($"--key: '{file}' does not exist (make one with 'granary key new --out {file}')");
        }

        return Granary.Core.Identity.KeyFile.Read(file.FullName);
    }

    private static Uri HubUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url
            : throw new UsageException($"--hub: '{text}' is not an http:// or https:// URL");

    private static HeightStore OpenStore(string directory, string address, bool folderTree) =>
        HeightStore.IsPayoutAddress(address, out var error) ? new HeightStore(directory, address, folderTree) : throw new UsageException($"--address: {error}");
}
