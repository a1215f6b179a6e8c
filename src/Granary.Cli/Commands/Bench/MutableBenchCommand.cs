using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Granary.Client;
using Granary.Client.Nodes;
using Granary.Core.Directories;
using Granary.Core.Formats;
using Granary.Core.Mutable;

namespace Granary.Cli.Commands.Bench;

/// <summary>
/// <c>granary bench mutable</c>: MDMF put and get of one file beside CHK put and get of the same
/// bytes on the same local grid in the same run (the client library in this process for both), an
/// in-place write in the middle of it with the share bytes it sent, and a directory of many entries
/// listed and extended by one.
/// </summary>
internal static class MutableBenchCommand
{
    public static Command Create()
    {
        var nodes = new Option<int>("--nodes") { Description = "Storage nodes in the grid.", DefaultValueFactory = _ => 10 };
        var size = new Option<string>("--size") { Description = "Size of the file to put and get.", DefaultValueFactory = _ => "256MiB", HelpName = "BYTES" };
        var entries = new Option<int>("--entries") { Description = "Entries in the directory benchmark.", DefaultValueFactory = _ => 10_000 };
        var dir = new Option<DirectoryInfo?>("--dir") { Description = "Where the grid goes (default: the temporary directory); removed afterwards.", HelpName = "DIR" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("mutable", "MDMF put/get beside CHK put/get of the same file, an in-place write, and a large directory.") { nodes, size, entries, dir, json };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            if (!ByteSize.TryParse(context.Parse.GetValue(size)!, out var bytes, out var error) || bytes < (4L << 20))
            {
                throw new UsageException($"--size must be at least 4 MiB{(string.IsNullOrEmpty(error) ? "" : $" ({error})")}");
            }

            var root = Path.Combine(context.Parse.GetValue(dir)?.FullName ?? Path.GetTempPath(), $"granary-bench-mutable-{Guid.NewGuid():N}");
            Directory.CreateDirectory(root);
            try
            {
                await using var grid = await LocalGrid.StartAsync(root, context.Parse.GetValue(nodes), bytes, cancellationToken);
                var result = await MeasureAsync(grid, bytes, context.Parse.GetValue(entries), context.Error, cancellationToken);
                await context.Output.WriteLineAsync(context.Parse.GetValue(json) ? JsonSerializer.Serialize(result, BenchJson.Options) : Describe(result));
                return GranaryCli.Success;
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        });
        return command;
    }

    internal sealed record MutableResult(
        long FileBytes,
        int K,
        int N,
        double ChkPutMBps,
        double MdmfPutMBps,
        double ChkGetMBps,
        double MdmfGetMBps,
        double PutRatio,
        double GetRatio,
        long InPlaceWriteBytes,
        long InPlaceBytesSent,
        long InPlaceSegmentBound,
        double InPlaceSeconds,
        int DirectoryEntries,
        double DirectoryCreateSeconds,
        double DirectoryListSeconds,
        double DirectoryAddSeconds);

    private static async Task<MutableResult> MeasureAsync(LocalGrid grid, long bytes, int entries, TextWriter log, CancellationToken cancellationToken)
    {
        var client = await GranaryClientBuilder.FromDirectory(ClientDirectory.Open(grid.ClientDir)).BuildAsync(cancellationToken);
        var content = new byte[bytes];
        Random.Shared.NextBytes(content);
        await log.WriteLineAsync("warming up...");
        await PutChkAsync(client, content.AsMemory(0, 4 << 20), cancellationToken);
        await PutMdmfAsync(client, content.AsMemory(0, 4 << 20), cancellationToken);

        // Puts once each (a second CHK put of the same bytes would find them there); gets alternate,
        // twice each, so that neither format always follows its own put; the better of each pair counts.
        await log.WriteLineAsync($"CHK and MDMF puts of {ByteSize.Format(bytes)}...");
        var (chkPut, chkNode) = await TimeAsync(() => PutChkAsync(client, content, cancellationToken));
        var (mdmfPut, mdmfNode) = await TimeAsync(() => PutMdmfAsync(client, content, cancellationToken));
        await log.WriteLineAsync("gets, alternating...");
        var chkGet = double.MaxValue;
        var mdmfGet = double.MaxValue;
        for (var round = 0; round < 2; round++)
        {
            chkGet = Math.Min(chkGet, (await TimeAsync(() => GetAsync(chkNode, cancellationToken))).Seconds);
            mdmfGet = Math.Min(mdmfGet, (await TimeAsync(() => GetAsync(mdmfNode, cancellationToken))).Seconds);
        }

        const int patchBytes = 1 << 20;
        var patch = new byte[patchBytes];
        Random.Shared.NextBytes(patch);
        var offset = bytes / 2;
        var (inPlaceSeconds, sent) = await TimeAsync(() => mdmfNode.WriteAtAsync(offset, patch, cancellationToken));
        var segment = MutableParameters.ForNewVersion(MutableFormat.Mdmf, client.Settings.Needed, client.Settings.Total, bytes).SegmentSize;
        var touched = ((offset + patchBytes - 1) / segment) - (offset / segment) + 1;
        var bound = touched * (segment / client.Settings.Needed + MutableParameters.SaltSize) * client.Settings.Total;

        await log.WriteLineAsync($"a directory of {entries:N0} entries...");
        var children = Enumerable.Range(0, entries).Select(i => DirectoryChild.ForCap($"entry-{i:D6}", chkNode.Cap)).ToList();
        var (createSeconds, directory) = await TimeAsync(() => client.Nodes.CreateDirectoryAsync(MutableFormat.Sdmf, children, cancellationToken));
        var (listSeconds, _) = await TimeAsync(async () => Commands.LsCommand.Describe(directory.DirectoryCap, await directory.ListAsync(cancellationToken)).ToJsonString());
        var (addSeconds, _) = await TimeAsync(async () =>
        {
            await directory.SetChildAsync("one-more", chkNode.Cap, null, overwrite: false, cancellationToken);
            return true;
        });

        double Rate(double seconds) => bytes / seconds / 1e6;
        return new MutableResult(
            bytes, client.Settings.Needed, client.Settings.Total, Rate(chkPut), Rate(mdmfPut), Rate(chkGet), Rate(mdmfGet), chkPut / mdmfPut, chkGet / mdmfGet,
            patchBytes, sent, bound, inPlaceSeconds, entries, createSeconds, listSeconds, addSeconds);
    }

    private static async Task<ImmutableFileNode> PutChkAsync(GranaryClient client, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        using var stream = AsStream(content);
        var upload = await client.UploadAsync(stream, null, cancellationToken);
        return (ImmutableFileNode)client.Nodes.Create(upload.ReadCap);
    }

    private static async Task<MutableFileNode> PutMdmfAsync(GranaryClient client, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        using var stream = AsStream(content);
        return await client.Nodes.CreateMutableFileAsync(MutableFormat.Mdmf, stream, content.Length, null, null, cancellationToken);
    }

    private static MemoryStream AsStream(ReadOnlyMemory<byte> content) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(content, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(content.ToArray(), writable: false);

    private static async Task<long> GetAsync(IFileNode node, CancellationToken cancellationToken) =>
        await node.ReadAsync(Stream.Null, null, null, null, cancellationToken);

    private static async Task<(double Seconds, T Result)> TimeAsync<T>(Func<Task<T>> work)
    {
        var clock = Stopwatch.StartNew();
        var result = await work();
        return (clock.Elapsed.TotalSeconds, result);
    }

    private static string Describe(MutableResult r) => string.Create(CultureInfo.InvariantCulture, $"""
        {ByteSize.Format(r.FileBytes)}, {r.K}-of-{r.N}, same grid, same run:
          put   CHK {r.ChkPutMBps,8:0.0} MB/s   MDMF {r.MdmfPutMBps,8:0.0} MB/s   MDMF/CHK {r.PutRatio:0.00}x
          get   CHK {r.ChkGetMBps,8:0.0} MB/s   MDMF {r.MdmfGetMBps,8:0.0} MB/s   MDMF/CHK {r.GetRatio:0.00}x
          in-place write of {ByteSize.Format(r.InPlaceWriteBytes)} in the middle: {r.InPlaceSeconds:0.00} s, {r.InPlaceBytesSent:N0} bytes of share data sent (the touched segments' bound: {r.InPlaceSegmentBound:N0})
          directory of {r.DirectoryEntries:N0} entries: created in {r.DirectoryCreateSeconds:0.00} s, listed as JSON in {r.DirectoryListSeconds:0.00} s, one entry added (one publish) in {r.DirectoryAddSeconds:0.00} s
        """);
}
