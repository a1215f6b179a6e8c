using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Granary.Client;
using Granary.Client.Nodes;
using Granary.Client.Paths;
using Granary.Core.Caps;
using Granary.Core.Formats;
using Granary.Core.Mutable;

namespace Granary.Cli.Commands;

/// <summary>
/// <c>granary put [--mutable] [--format sdmf|mdmf] FILE|- [DEST]</c>: store a file on the grid; the
/// cap is the last line of standard output. DEST (alias:path) links it into a directory; a mutable
/// file already at DEST is overwritten in place (its cap stays the same).
/// </summary>
internal static class PutCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "The file to store, or '-' for standard input." };
        var destination = new Argument<string?>("DEST") { Description = "Where to link it (alias:path); an existing mutable file there is overwritten.", Arity = ArgumentArity.ZeroOrOne };
        var mutable = new Option<bool>("--mutable", "-m") { Description = "Store it as a mutable file (SDMF unless --format mdmf) that can be rewritten later." };
        var format = ClientOptions.Format("sdmf or mdmf: a mutable file of that format (implies --mutable).");
        var clientDir = ClientOptions.ClientDir();
        var json = new Option<bool>("--json") { Description = "Print a JSON summary (with the cap) instead of the cap alone." };
        var noKeep = new Option<bool>("--no-keep") { Description = "Do not ask the client's hubs to keep the file (by default the new file is handed to them by its verify cap, to lease, audit and repair; keepWithHubs in client.json turns it off for good)." };
        var command = new Command("put", "Encrypt, erasure-code and store a file on the grid; prints its cap.") { file, destination, mutable, format, clientDir, json, noKeep };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var name = context.Parse.GetValue(file)!;
            if (name != "-" && !File.Exists(name))
            {
                throw new FileNotFoundException(Directory.Exists(name) ? $"'{name}' is a directory, not a file (use 'cp -r')" : $"'{name}' does not exist");
            }

            var mutableFormat = ClientOptions.ParseFormat(context.Parse.GetValue(format)) ?? (context.Parse.GetValue(mutable) ? MutableFormat.Sdmf : null);
            var directory = ClientOptions.OpenDirectory(context, clientDir);
            var target = context.Parse.GetValue(destination) is { } dest ? ClientOptions.ParsePath(dest, directory) : null;
            string? spool = null;
            try
            {
                if (name == "-")
                {
                    // Convergent encryption reads the file twice; standard input can be read once.
                    spool = Path.Combine(Path.GetTempPath(), $"granary-put-{Guid.NewGuid():N}");
                    await using var stdin = Console.OpenStandardInput();
                    await using var copy = new FileStream(spool, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
                    await stdin.CopyToAsync(copy, cancellationToken);
                }

                var length = new FileInfo(spool ?? name).Length;

                // A file that fits in its cap needs no server and no secret, unless it goes into a directory or is mutable.
                var client = GranaryClient.IsLiteral(length) && target is null && mutableFormat is null
                    ? ClientOptions.Offline(context, clientDir)
                    : await ClientOptions.ConnectAsync(context, clientDir, cancellationToken);
                var clock = Stopwatch.StartNew();
                await using var input = new FileStream(spool ?? name, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
                using var line = new ProgressLine(context);
                var progress = ClientOptions.Progress(line);
                var keep = directory.Config.KeepWithHubs && !context.Parse.GetValue(noKeep);
                var stored = await StoreAsync(client, target, mutableFormat, input, length, keep, progress, cancellationToken);
                line.Dispose();

                foreach (var warning in stored.Warnings)
                {
                    await context.Error.WriteLineAsync($"granary put: warning: {warning}");
                }

                if (context.Parse.GetValue(json))
                {
                    await context.Output.WriteLineAsync(JsonSerializer.Serialize(new
                    {
                        cap = stored.Cap.ToString(),
                        size = length,
                        sharesUploaded = stored.Upload?.SharesUploaded,
                        sharesAlreadyPresent = stored.Upload?.SharesAlreadyPresent,
                        happiness = stored.Upload?.Happiness,
                        seconds = clock.Elapsed.TotalSeconds,
                        warnings = stored.Warnings,
                    }));
                }
                else
                {
                    if (context.Interactive && stored.Upload is { } upload)
                    {
                        await context.Error.WriteLineAsync(
                            $"stored {ByteSize.Format(length)} in {clock.Elapsed.TotalSeconds:0.0} s: {upload.SharesUploaded} shares uploaded, {upload.SharesAlreadyPresent} already there, on {upload.Happiness} servers");
                    }

                    await context.Output.WriteLineAsync(stored.Cap.ToString());
                }

                return GranaryCli.Success;
            }
            finally
            {
                if (spool is not null)
                {
                    File.Delete(spool);
                }
            }
        });
        return command;
    }

    private sealed record Stored(Cap Cap, Client.Upload.UploadResult? Upload, IReadOnlyList<string> Warnings);

    private static async Task<Stored> StoreAsync(GranaryClient client, GridPath? target, MutableFormat? format, Stream input, long length, bool keep, IProgress<TransferProgress> progress, CancellationToken cancellationToken)
    {
        var existing = target is { IsRoot: false } ? await LinkCommand.TryResolveAsync(client, target, cancellationToken) : target is null ? null : client.Nodes.Create(target.Root);
        switch (existing)
        {
            case MutableFileNode { WriteCap: not null } mutableFile:
                await mutableFile.OverwriteAsync(input, length, progress, cancellationToken);
                return new Stored(mutableFile.Cap, null, []);
            case MutableFileNode:
                throw new ReadOnlyException($"{target!.Text} is a mutable file this client can only read (a read-only cap), so it cannot be overwritten");
            case DirectoryNode when target!.IsRoot:
            case DirectoryNode:
                throw new InvalidOperationException($"{target!.Text} is a directory; name the file to create in it (alias:path/NAME)");
        }

        Stored stored;
        if (format is MutableFormat mutableFormat)
        {
            var created = await client.Nodes.CreateMutableFileAsync(mutableFormat, input, length, null, progress, cancellationToken);
            stored = new Stored(created.Cap, null, keep ? await client.Keeper.KeepNewAsync(created.Cap, cancellationToken) : []);
        }
        else
        {
            var upload = await client.UploadAsync(input, progress, cancellationToken);
            var kept = keep ? await client.Keeper.KeepNewAsync(upload.ReadCap, cancellationToken) : [];
            stored = new Stored(upload.ReadCap, upload, [.. upload.Warnings, .. kept]);
        }

        if (target is not null)
        {
            var parent = await client.Nodes.ResolveParentAsync(target, cancellationToken);
            await parent.SetChildAsync(target.Name!, stored.Cap, null, overwrite: true, cancellationToken);
        }

        return stored;
    }
}
