using System.Buffers.Binary;
using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Granary.Core.Caps;
using Granary.Core.Chk;
using Granary.Core.Directories;
using Granary.Core.Formats;
using Granary.Core.Mutable;

namespace Granary.Cli.Commands;

/// <summary>
/// <c>granary debug dump-share FILE</c> and <c>granary debug read-file CAP SHAREFILE…</c>: what an
/// operator needs to inspect and recover data by hand, from a Granary node's share files or the
/// container files a Tahoe-LAFS storage server keeps (immutable and mutable alike).
/// </summary>
internal static class DebugCommand
{
    public static Command Create()
    {
        var command = new Command("debug", "Tools for operators: look inside share files, and recover a file from them without any server.");
        command.Subcommands.Add(DumpShare());
        command.Subcommands.Add(ReadFile());
        return command;
    }

    private static Command DumpShare()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "A share file: Granary's (DIR/shares/…/<n>, DIR/mutable/…/<n>) or a Tahoe-LAFS server's (storage/shares/<prefix>/<si>/<n>)." };
        var command = new Command("dump-share", "Print the fields of a share file as JSON.") { file };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var path = context.Parse.GetValue(file)!;
            var share = StoredShare.Read(path.FullName, await File.ReadAllBytesAsync(path.FullName, cancellationToken));
            await context.Output.WriteLineAsync(share.Describe().ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
            return GranaryCli.Success;
        });
        return command;
    }

    private static Command ReadFile()
    {
        var capArgument = new Argument<string>("CAP") { Description = "The file's (or directory's) read or write cap." };
        var files = new Argument<FileInfo[]>("SHAREFILE") { Description = "Share files of it, each named by its share number (as both stores name them); k good ones are enough.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("read-file", "Decode a file from share files on disk and write its plaintext to standard output (a directory's listing as 'ls --json' prints it).") { capArgument, files };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var cap = ClientOptions.ParseCap(context, capArgument);
            var shares = new List<(int, ReadOnlyMemory<byte>)>();
            foreach (var path in context.Parse.GetValue(files)!)
            {
                var stored = StoredShare.Read(path.FullName, await File.ReadAllBytesAsync(path.FullName, cancellationToken));
                shares.Add((stored.Number ?? throw new UsageException($"{path.Name} is not named by a share number (0-255)"), stored.Share));
            }

            var fileCap = cap is DirectoryCap directory ? directory.FileCap : cap;
            byte[] plaintext;
            IReadOnlyList<string> problems;
            switch (fileCap)
            {
                case ChkReadCap chk:
                    (plaintext, problems) = ChkFileReader.Read(chk, shares);
                    break;
                case MutableWriteCap write:
                    (plaintext, problems) = ReadMutable(write.ReadCap, shares);
                    break;
                case MutableReadCap read:
                    (plaintext, problems) = ReadMutable(read, shares);
                    break;
                case LiteralCap literal:
                    (plaintext, problems) = (literal.Data.ToArray(), []);
                    break;
                default:
                    throw new UsageException("a verify cap can check shares but not decode them; give a read cap");
            }

            foreach (var problem in problems)
            {
                await context.Error.WriteLineAsync($"warning: {problem}");
            }

            if (cap is DirectoryCap dir)
            {
                await context.Output.WriteLineAsync(LsCommand.Describe(dir, DirectoryContents.Unpack(plaintext, dir)).ToJsonString());
            }
            else
            {
                await using var output = Console.OpenStandardOutput();
                await output.WriteAsync(plaintext, cancellationToken);
            }

            return GranaryCli.Success;
        });
        return command;
    }

    private static (byte[], IReadOnlyList<string>) ReadMutable(MutableReadCap cap, List<(int, ReadOnlyMemory<byte>)> shares)
    {
        var result = MutableFileReader.Read(cap, shares);
        return (result.Data, result.Problems);
    }

    /// <summary>A share file as found on disk: which store's container it is in, and the share bytes inside.</summary>
    private sealed record StoredShare(string Container, int? Number, ReadOnlyMemory<byte> Share, JsonObject ContainerFields)
    {
        public static StoredShare Read(string path, byte[] file)
        {
            var number = int.TryParse(Path.GetFileName(path), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= 255 ? n : (int?)null;
            if (file.AsSpan().StartsWith("Tahoe mutable container v"u8))
            {
                var container = MutableContainer.Parse(file);
                return new StoredShare($"tahoe-mutable-v{container.SchemaVersion}", number, container.Data, new JsonObject
                {
                    ["write-enabler-nodeid"] = Base32.Encode(container.NodeId),
                    ["leases"] = container.Leases.Count,
                    ["data-length"] = container.DataLength,
                });
            }

            if (LooksLikeBareChkShare(file))
            {
                return new StoredShare("granary-immutable", number, file, []);
            }

            if (ImmutableContainer.TryParse(file, out var immutable))
            {
                return new StoredShare($"tahoe-immutable-v{immutable!.Version}", number, immutable.Share, new JsonObject { ["leases"] = immutable.LeaseCount });
            }

            if (LooksLikeMutableShare(file))
            {
                return new StoredShare("granary-mutable", number, file, []);
            }

            // Damaged (wrong length, say) but still shaped like a share: show what can be read.
            return new StoredShare("granary-immutable", number, file, []);
        }

        private static bool LooksLikeMutableShare(byte[] file)
        {
            try
            {
                return file.Length > 0 && file[0] is 0 or 1 && MutableVersion.TryParse(file, out _);
            }
            catch (FormatException)
            {
                return false;
            }
        }

        // A bare share's header is self-consistent at offset 0 (its data offset is its header size).
        private static bool LooksLikeBareChkShare(byte[] file)
        {
            try
            {
                if (!ShareHeader.TryParse(file, out var header) || header!.UriExtensionOffset + header.UriExtensionLengthSize > file.Length)
                {
                    return false;
                }

                var at = (int)header.UriExtensionOffset;
                var length = header.UriExtensionLengthSize == 4 ? BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(at)) : BinaryPrimitives.ReadUInt64BigEndian(file.AsSpan(at));
                return length <= (ulong)UriExtension.MaxSerializedLength && header.ShareSize((int)length) == file.Length;
            }
            catch (FormatException)
            {
                return false;
            }
        }

        public JsonObject Describe()
        {
            var json = new JsonObject { ["container"] = Container, ["share-number"] = Number };
            foreach (var (key, value) in ContainerFields)
            {
                json[key] = value?.DeepClone();
            }

            var bytes = Share.Span;
            if (Container is "granary-mutable" || Container.StartsWith("tahoe-mutable", StringComparison.Ordinal))
            {
                var version = MutableVersion.Parse(bytes);
                var p = version.Parameters;
                var o = version.Offsets;
                json["kind"] = version.Format == MutableFormat.Sdmf ? "sdmf" : "mdmf";
                json["seqnum"] = version.Seqnum;
                json["root-hash"] = Base32.Encode(version.RootHash);
                if (version.Format == MutableFormat.Sdmf)
                {
                    json["salt"] = Base32.Encode(version.Salt);
                }

                json["k"] = p.K;
                json["n"] = p.N;
                json["segment-size"] = p.SegmentSize;
                json["data-length"] = p.DataLength;
                json["segments"] = p.SegmentCount;
                json["fingerprint"] = o.VerificationKeyEnd <= bytes.Length ? Base32.Encode(MutableSecrets.Fingerprint(bytes[(int)o.VerificationKey..(int)o.VerificationKeyEnd])) : null;
                json["offsets"] = new JsonObject
                {
                    ["encrypted-private-key"] = o.EncryptedPrivateKey,
                    ["share-hash-chain"] = o.ShareHashChain,
                    ["signature"] = o.Signature,
                    ["verification-key"] = o.VerificationKey,
                    ["verification-key-end"] = o.VerificationKeyEnd,
                    ["share-data"] = o.ShareData,
                    ["block-hash-tree"] = o.BlockHashTree,
                    ["end-of-share"] = o.EndOfShare,
                };
                json["share-length"] = bytes.Length;
                return json;
            }

            if (!ShareHeader.TryParse(bytes, out var header))
            {
                throw new FormatException("the file is too short to be a share");
            }

            json["kind"] = "chk";
            json["layout-version"] = header!.Version;
            json["block-size"] = header.BlockSize;
            json["data-size"] = header.DataSize;
            json["offsets"] = new JsonObject
            {
                ["data"] = header.DataOffset,
                ["plaintext-hash-tree"] = header.PlaintextHashTreeOffset,
                ["crypttext-hash-tree"] = header.CrypttextHashTreeOffset,
                ["block-hashes"] = header.BlockHashesOffset,
                ["share-hashes"] = header.ShareHashesOffset,
                ["uri-extension"] = header.UriExtensionOffset,
            };
            json["share-length"] = bytes.Length;
            var at = (int)header.UriExtensionOffset;
            if (at + header.UriExtensionLengthSize <= bytes.Length)
            {
                var length = header.UriExtensionLengthSize == 4 ? BinaryPrimitives.ReadUInt32BigEndian(bytes[at..]) : BinaryPrimitives.ReadUInt64BigEndian(bytes[at..]);
                var start = at + header.UriExtensionLengthSize;
                if (length <= (ulong)UriExtension.MaxSerializedLength && start + (long)length <= bytes.Length)
                {
                    var serialized = bytes.Slice(start, (int)length);
                    json["uri-extension-hash"] = Base32.Encode(UriExtension.HashOf(serialized));
                    try
                    {
                        var extension = UriExtension.Parse(serialized);
                        json["uri-extension"] = new JsonObject
                        {
                            ["k"] = extension.Parameters.K,
                            ["n"] = extension.Parameters.N,
                            ["size"] = extension.Parameters.Size,
                            ["segment-size"] = extension.Parameters.SegmentSize,
                            ["segments"] = extension.Parameters.SegmentCount,
                            ["crypttext-hash"] = Base32.Encode(extension.CrypttextHash),
                            ["crypttext-root-hash"] = Base32.Encode(extension.CrypttextRootHash),
                            ["share-root-hash"] = Base32.Encode(extension.ShareRootHash),
                        };
                    }
                    catch (FormatException e)
                    {
                        json["uri-extension-problem"] = e.Message;
                    }
                }
            }

            return json;
        }
    }
}
