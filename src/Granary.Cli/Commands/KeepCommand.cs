using System.CommandLine;
using System.Text.Json;
using Granary.Client;
using Granary.Client.Maintenance;

namespace Granary.Cli.Commands;

/// <summary>
/// <c>granary keep add|remove|list</c>: hand files to the client's hubs to keep (lease, audit and
/// repair them) by their verify caps, take them back, and see what each hub keeps.
/// </summary>
internal static class KeepCommand
{
    public static Command Create()
    {
        var command = new Command("keep", "Ask the client's hubs to keep files: hold leases on their shares, audit the nodes and repair what is lost. Hubs get only verify caps.");
        command.Subcommands.Add(Change("add", "Ask every hub to keep the file or directory (the cap is reduced to its verify cap; the hub never sees a read or write cap)."));
        command.Subcommands.Add(Change("remove", "Ask every hub to stop keeping the file for this client."));
        command.Subcommands.Add(List());
        return command;
    }

    private static Command Change(string name, string description)
    {
        var capArgument = new Argument<string>("CAP") { Description = "The file's cap: read, write or verify, immutable or mutable, or a directory's (the hub is given only the verify cap)." };
        var clientDir = ClientOptions.ClientDir();
        var json = new Option<bool>("--json") { Description = "Print each hub's answer as JSON." };
        var command = new Command(name, description) { capArgument, clientDir, json };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var cap = ClientOptions.ParseCap(context, capArgument);
            try
            {
                HubKeeper.VerifyCapOf(cap);
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }

            var client = await ClientOptions.ConnectAsync(context, clientDir, cancellationToken);
            RequireHubs(client);
            var answers = name == "add"
                ? (await client.Keeper.KeepAsync(cap, cancellationToken)).Select(a => (a.Hub, Detail: a.Value is { } v ? (v.AlreadyKept ? "already kept" : $"kept: {v.Shares} shares found") : null, a.Error)).ToList()
                : (await client.Keeper.ForgetAsync(cap, cancellationToken)).Select(a => (a.Hub, Detail: a.Value, a.Error)).ToList();
            if (context.Parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(JsonSerializer.Serialize(answers.Select(a => new { hub = a.Hub.ToString(), ok = a.Error is null, detail = a.Detail, error = a.Error })));
            }
            else
            {
                foreach (var (hub, detail, error) in answers)
                {
                    await (error is null ? context.Output : context.Error).WriteLineAsync($"{hub}: {detail ?? error}");
                }
            }

            return answers.All(a => a.Error is null) ? GranaryCli.Success : GranaryCli.Failure;
        });
        return command;
    }

    private static Command List()
    {
        var clientDir = ClientOptions.ClientDir();
        var json = new Option<bool>("--json") { Description = "Print each hub's list as JSON." };
        var command = new Command("list", "Show the files each hub keeps for this client, with their healthy shares.") { clientDir, json };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var client = await ClientOptions.ConnectAsync(context, clientDir, cancellationToken);
            RequireHubs(client);
            var answers = await client.Keeper.ListAsync(cancellationToken);
            if (context.Parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(JsonSerializer.Serialize(answers.Select(a => new { hub = a.Hub.ToString(), files = a.Value?.Files, error = a.Error })));
            }
            else
            {
                foreach (var answer in answers)
                {
                    if (answer.Error is not null)
                    {
                        await context.Error.WriteLineAsync($"{answer.Hub}: {answer.Error}");
                        continue;
                    }

                    await context.Output.WriteLineAsync($"{answer.Hub}: {answer.Value!.Files.Count} files kept for {client.Keeper.ClientAddress}");
                    foreach (var file in answer.Value.Files)
                    {
                        await context.Output.WriteLineAsync($"  {file.VerifyCap}  {file.HealthyShares}/{file.Shares} healthy");
                    }
                }
            }

            return answers.All(a => a.Error is null) ? GranaryCli.Success : GranaryCli.Failure;
        });
        return command;
    }

    private static void RequireHubs(GranaryClient client)
    {
        if (client.Hubs.Count == 0)
        {
            throw new UsageException("this client directory names no hubs (\"hubs\" in client.json), so there is nobody to keep files");
        }
    }
}
