using System.CommandLine;
using Granary.Core.Caps;
using Granary.Core.Chk;
using Granary.Core.Formats;
using Granary.Core.Mutable;

namespace Granary.Cli.Commands;

/// <summary>
/// <c>granary cap FILE</c>: the read cap an upload of FILE would produce, computed locally; and
/// <c>granary cap --mutable --rsa-key KEY.pem</c>: the caps of the mutable file or directory a key makes.
/// </summary>
internal static class CapCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo?>("FILE") { Description = "The file to compute the cap of (not with --mutable).", Arity = ArgumentArity.ZeroOrOne };
        var k = new Option<int>("-k") { Description = "Shares needed to recover the file.", DefaultValueFactory = _ => EncodingParameters.Default.K };
        var n = new Option<int>("-n") { Description = "Total shares produced.", DefaultValueFactory = _ => EncodingParameters.Default.N };
        var segmentSize = new Option<string>("--segment-size")
        {
            Description = "Maximum segment size in bytes (suffixes like KiB, MiB allowed).",
            DefaultValueFactory = _ => "1MiB",
            HelpName = "BYTES",
        };
        var secret = new Option<string>("--convergence-secret")
        {
            Description = "The convergence secret, base64. Files converge to the same cap only under the same secret.",
            HelpName = "BASE64",
        };
        var secretFile = new Option<FileInfo>("--convergence-file")
        {
            Description = "A file holding the convergence secret as base32 text (Tahoe-LAFS's private/convergence format, and a Granary client dir's).",
            HelpName = "PATH",
        };
        var verifyCap = new Option<bool>("--verify-cap") { Description = "Also print the verify cap (on the next line)." };
        var storageIndex = new Option<bool>("--storage-index") { Description = "Also print the storage index (on the last line)." };
        var mutable = new Option<bool>("--mutable") { Description = "Print the caps of the mutable file (or, with --directory, directory) an RSA key makes: write cap, read cap, verify cap, storage index." };
        var rsaKey = new Option<FileInfo>("--rsa-key") { Description = "With --mutable: the RSA private key, PEM (PKCS#1 or PKCS#8), as Tahoe's test vectors carry it.", HelpName = "KEY.pem" };
        var format = ClientOptions.Format("With --mutable: sdmf (default) or mdmf.");
        var directory = new Option<bool>("--directory") { Description = "With --mutable: the caps of a directory held in that file (URI:DIR2…)." };

        var command = new Command("cap", "Print the read cap an upload of FILE produces, without touching the network.")
        {
            file, k, n, segmentSize, secret, secretFile, verifyCap, storageIndex, mutable, rsaKey, format, directory,
        };

        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var parse = context.Parse;
            if (parse.GetValue(mutable))
            {
                await PrintMutableCapsAsync(context, parse.GetValue(rsaKey), ClientOptions.ParseFormat(parse.GetValue(format)) ?? MutableFormat.Sdmf, parse.GetValue(directory));
                return GranaryCli.Success;
            }

            if (parse.GetValue(rsaKey) is not null || parse.GetValue(directory))
            {
                throw new UsageException("--rsa-key and --directory go with --mutable");
            }

            var parameters = new EncodingParameters(parse.GetValue(k), parse.GetValue(n), ParseSegmentSize(parse.GetValue(segmentSize)!));
            try
            {
                parameters.Validate();
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }

            var convergence = ReadSecret(parse.GetValue(secret), parse.GetValue(secretFile));
            var path = parse.GetValue(file) ?? throw new UsageException("missing FILE (or --mutable --rsa-key KEY.pem)");
            if (!path.Exists)
            {
                throw new UsageException($"'{path}' does not exist or is not a file");
            }

            using var progress = new ProgressLine(context);
            await using var input = new FileStream(path.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
            var phase = EncodePhase.DerivingKey;
            var encoding = await ImmutableFileEncoder.EncodeAsync(
                input,
                convergence,
                parameters,
                progress: new SynchronousProgress<EncodeProgress>(p =>
                {
                    if (p.Phase != phase)
                    {
                        phase = p.Phase;
                        progress.Restart();
                    }

                    progress.Report(p.Phase == EncodePhase.DerivingKey ? "deriving key" : "encoding", p.BytesDone, p.TotalBytes);
                }),
                cancellationToken: cancellationToken).ConfigureAwait(false);
            progress.Dispose();

            await context.Output.WriteLineAsync(encoding.ReadCap.ToString()).ConfigureAwait(false);
            if (encoding.ReadCap is ChkReadCap chk)
            {
                if (parse.GetValue(verifyCap))
                {
                    await context.Output.WriteLineAsync(chk.VerifyCap.ToString()).ConfigureAwait(false);
                }

                if (parse.GetValue(storageIndex))
                {
                    await context.Output.WriteLineAsync(chk.StorageIndex.ToString()).ConfigureAwait(false);
                }
            }
            else if (parse.GetValue(verifyCap) || parse.GetValue(storageIndex))
            {
                await context.Error.WriteLineAsync(
                    $"granary cap: a file of {ChkParameters.MaxLiteralSize} bytes or less lives inside its URI:LIT cap; it has no verify cap or storage index").ConfigureAwait(false);
            }

            return GranaryCli.Success;
        });
        return command;
    }

    private static async Task PrintMutableCapsAsync(CommandContext context, FileInfo? keyFile, MutableFormat format, bool directory)
    {
        if (keyFile is null)
        {
            throw new UsageException("--mutable needs --rsa-key KEY.pem");
        }

        if (!keyFile.Exists)
        {
            throw new UsageException($"--rsa-key '{keyFile}' does not exist");
        }

        using var key = SigningKey.FromPem(await File.ReadAllTextAsync(keyFile.FullName));
        var write = MutableWriteCap.FromKey(key, format);
        Cap[] caps = directory
            ? [new DirectoryCap(write), new DirectoryCap(write.ReadCap), new DirectoryCap(write.VerifyCap)]
            : [write, write.ReadCap, write.VerifyCap];
        foreach (var cap in caps)
        {
            await context.Output.WriteLineAsync(cap.ToString());
        }

        await context.Output.WriteLineAsync(write.StorageIndex.ToString());
    }

    private static int ParseSegmentSize(string text)
    {
        if (!ByteSize.TryParse(text, out var bytes, out var error))
        {
            throw new UsageException($"--segment-size: {error}");
        }

        if (bytes is < 1 or > EncodingParameters.MaxSupportedSegmentSize)
        {
            throw new UsageException($"--segment-size must be between 1 byte and 1 GiB; got {text}");
        }

        return (int)bytes;
    }

    private static byte[] ReadSecret(string? base64, FileInfo? file)
    {
        if ((base64 is null) == (file is null))
        {
            throw new UsageException("give the convergence secret with exactly one of --convergence-secret BASE64 or --convergence-file PATH");
        }

        if (base64 is not null)
        {
            try
            {
                return Convert.FromBase64String(base64);
            }
            catch (FormatException)
            {
                throw new UsageException("--convergence-secret is not valid base64");
            }
        }

        if (!file!.Exists)
        {
            throw new UsageException($"--convergence-file '{file}' does not exist");
        }

        var text = File.ReadAllText(file.FullName).Trim();
        return Base32.TryDecode(text, out var secret, out var error)
            ? secret
            : throw new UsageException($"--convergence-file '{file}' does not hold a base32 secret: {error}");
    }
}
