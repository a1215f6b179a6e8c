using System.CommandLine;
using Granary.Core.Identity;

namespace Granary.Cli.Commands;

/// <summary>
/// <c>granary key …</c>: node keys (bitcoin WIF or BIP32 xprv, as storjnode's <c>--node_key</c>),
/// node ids and bitcoin signed messages. Key files are written mode 0600; secrets are printed only
/// when asked for a key without <c>--out</c>, and never by <c>show</c>.
/// </summary>
internal static class KeyCommand
{
    public static Command Create()
    {
        var command = new Command("key", "Create, import and inspect node keys; sign and verify bitcoin signed messages.");
        command.Subcommands.Add(New());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Import());
        command.Subcommands.Add(SignMessage());
        command.Subcommands.Add(VerifyMessage());
        return command;
    }

    private static Option<FileInfo> OutOption() => new("--out")
    {
        Description = "Write the key to this file (mode 0600; an existing file is never overwritten). Without it the key file's contents go to standard output.",
        HelpName = "FILE",
    };

    private static Command New()
    {
        var output = OutOption();
        var testnet = new Option<bool>("--testnet") { Description = "Make a testnet key (addresses start with m or n)." };
        var command = new Command("new", "Generate a new node key.") { output, testnet };
        CommandRunner.SetAction(command, async (context, _) =>
        {
            using var key = NodeKey.Generate(context.Parse.GetValue(testnet) ? BitcoinNetwork.Testnet : BitcoinNetwork.Mainnet);
            await SaveAsync(context, key, context.Parse.GetValue(output));
            return GranaryCli.Success;
        });
        return command;
    }

    private static Command Import()
    {
        var text = new Argument<string>("KEY") { Description = "A WIF key or an xprv/tprv extended key; '-' reads it from standard input (keeps it out of shell history)." };
        var output = OutOption();
        var command = new Command("import", "Turn a WIF or xprv key into a Granary key file.") { text, output };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var value = context.Parse.GetValue(text)!;
            if (value == "-")
            {
                value = (await Console.In.ReadLineAsync(cancellationToken) ?? "").Trim();
            }

            if (!NodeKey.TryParse(value, out var key, out var error))
            {
                throw new UsageException(error);
            }

            using (key)
            {
                await SaveAsync(context, key!, context.Parse.GetValue(output));
            }

            return GranaryCli.Success;
        });
        return command;
    }

    private static Command Show()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "A key file." };
        var command = new Command("show", "Print a key's node id, address and public key (never its secret).") { file };
        CommandRunner.SetAction(command, async (context, _) =>
        {
            using var key = ReadKey(context.Parse.GetValue(file)!);
            await context.Output.WriteLineAsync($"node id:     {key.NodeId}");
            await context.Output.WriteLineAsync($"address:     {key.Address}");
            await context.Output.WriteLineAsync($"public key:  {key.PrivateKey.PublicKey.ToCompressed()}");
            if (!key.PrivateKey.Compressed)
            {
                await context.Output.WriteLineAsync($"signs as:    {key.PrivateKey.Address} (the WIF marks the key uncompressed)");
            }

            if (key.Extended is { } extended)
            {
                await context.Output.WriteLineAsync($"xpub:        {extended.Neuter().Serialize()}");
            }

            await context.Output.WriteLineAsync($"network:     {key.PrivateKey.Network.ToString().ToLowerInvariant()}");
            return GranaryCli.Success;
        });
        return command;
    }

    private static Command SignMessage()
    {
        var keyFile = new Option<FileInfo>("--key") { Description = "The key file to sign with.", Required = true, HelpName = "FILE" };
        var message = new Argument<string>("MESSAGE") { Description = "The message (signed as UTF-8)." };
        var command = new Command("sign-message", "Sign a message as bitcoind's signmessage does; prints the base64 signature.") { keyFile, message };
        CommandRunner.SetAction(command, async (context, _) =>
        {
            using var key = ReadKey(context.Parse.GetValue(keyFile)!);
            await context.Output.WriteLineAsync(key.PrivateKey.SignMessage(context.Parse.GetValue(message)!));
            return GranaryCli.Success;
        });
        return command;
    }

    private static Command VerifyMessage()
    {
        var address = new Argument<string>("ADDRESS") { Description = "The bitcoin address that should have signed." };
        var signature = new Argument<string>("SIGNATURE") { Description = "The base64 signature." };
        var message = new Argument<string>("MESSAGE") { Description = "The message." };
        var command = new Command("verify-message", "Check a bitcoin signed message. Exit code 0: valid, 1: not valid, 2: malformed input.")
        {
            address, signature, message,
        };
        CommandRunner.SetAction(command, async (context, _) =>
        {
            bool valid;
            try
            {
                valid = BitcoinMessage.Verify(context.Parse.GetValue(address)!, context.Parse.GetValue(signature)!, context.Parse.GetValue(message)!);
            }
            catch (FormatException e)
            {
                throw new UsageException(e.Message);
            }

            await context.Output.WriteLineAsync(valid ? "valid" : "not valid");
            return valid ? GranaryCli.Success : GranaryCli.Failure;
        });
        return command;
    }

    private static NodeKey ReadKey(FileInfo file)
    {
        try
        {
            return KeyFile.Read(file.FullName);
        }
        catch (FileNotFoundException)
        {
            throw new UsageException($"key file '{file}' does not exist");
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static async Task SaveAsync(CommandContext context, NodeKey key, FileInfo? output)
    {
        if (output is null)
        {
            await context.Output.WriteAsync(KeyFile.ToJson(key));
            await context.Error.WriteLineAsync($"node id {key.NodeId}, address {key.Address}; the above is a secret key file (save it with --out FILE)");
            return;
        }

        if (output.Exists)
        {
            throw new UsageException($"'{output}' already exists; refusing to overwrite a key");
        }

        KeyFile.Write(output.FullName, key);
        await context.Output.WriteLineAsync($"wrote {output} (mode 0600)");
        await context.Output.WriteLineAsync($"node id:  {key.NodeId}");
        await context.Output.WriteLineAsync($"address:  {key.Address}");
    }
}
