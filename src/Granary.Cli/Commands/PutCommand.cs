using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Granary.Client;
using Granary.Client.Upload;
using Granary.Core.Formats;

namespace Granary.Cli.Commands;

/// <summary><c>granary put FILE|-</c>: store a file on the grid; the read cap is the last line of standard output.</summary>
internal static class PutCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "The file to store, or '-' for standard input." };
        var clientDir = ClientOptions.ClientDir();
        var json = new Option<bool>("--json") { Description = "Print a JSON summary (with the cap) instead of the cap alone." };
        var command = new Command("put", "Encrypt, erasure-code and store a file on the grid; prints its read cap.") { file, clientDir, json };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var name = context.Parse.GetValue(file)!;
            if (name != "-" && !File.Exists(name))
            {
                throw new FileNotFoundException(Directory.Exists(name) ? $"'{name}' is a directory, not a file" : $"'{name}' does not exist");
            }

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

                // A file that fits in its cap needs no server and no secret.
                var client = GranaryClient.IsLiteral(new FileInfo(spool ?? name).Length)
                    ? ClientOptions.Offline(context, clientDir)
                    : await ClientOptions.ConnectAsync(context, clientDir, cancellationToken);
                var clock = Stopwatch.StartNew();
                UploadResult result;
                using (var line = new ProgressLine(context))
                {
                    await using var input = new FileStream(spool ?? name, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
                    result = await client.UploadAsync(input, ClientOptions.Progress(line), cancellationToken);
                }

                foreach (var warning in result.Warnings)
                {
                    await context.Error.WriteLineAsync($"granary put: warning: {warning}");
                }

                if (context.Parse.GetValue(json))
                {
                    await context.Output.WriteLineAsync(JsonSerializer.Serialize(new
                    {
                        cap = result.ReadCap.ToString(),
                        size = result.Size,
                        sharesUploaded = result.SharesUploaded,
                        sharesAlreadyPresent = result.SharesAlreadyPresent,
                        happiness = result.Happiness,
                        seconds = clock.Elapsed.TotalSeconds,
                        warnings = result.Warnings,
                    }));
                }
                else
                {
                    if (context.Interactive)
                    {
                        await context.Error.WriteLineAsync(
                            $"stored {ByteSize.Format(result.Size)} in {clock.Elapsed.TotalSeconds:0.0} s: {result.SharesUploaded} shares uploaded, {result.SharesAlreadyPresent} already there, on {result.Happiness} servers");
                    }

                    await context.Output.WriteLineAsync(result.ReadCap.ToString());
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
}
