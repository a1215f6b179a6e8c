using Granary.Core.Proofs;
using Granary.Hub.Dataserv;
using Microsoft.AspNetCore.Http;

namespace Granary.Hub.Downstream;

internal sealed partial class DownstreamApi
{
    private const int ChallengeBatch = 100;

    /// <summary>
    /// <c>GET /chunk/&lt;token&gt;[/&lt;size&gt;]</c>: up to ten new contracts of the test chunk size
    /// whose sizes add up to no more than the request and the address's remaining allowance, each with
    /// its tag and first challenge, streamed.
    /// </summary>
    public async Task ChunksAsync(HttpContext context, string tokenText, long? size, bool compact)
    {
        var cancellationToken = context.RequestAborted;
        var token = await FindTokenAsync(tokenText, cancellationToken).ConfigureAwait(false);
        if (token is null)
        {
            await WriteAsync(context, Error(400, NonexistentToken, compact)).ConfigureAwait(false);
            return;
        }

        if (!await IpAllowedAsync(context, token, move: true).ConfigureAwait(false))
        {
            await WriteAsync(context, IpDisallowed(compact)).ConfigureAwait(false);
            return;
        }

        var wanted = size ?? options.TestChunkSize;
        var room = options.MaxContractBytes - await store.ContractBytesAsync(token.Address, cancellationToken).ConfigureAwait(false);
        var target = wanted < room ? wanted : Math.Max(room, 0);

        // The tags are made before the database is asked to record them, so no write waits for hashing.
        var count = (int)Math.Min(DownstreamOptions.MaxChunksPerRequest, target / options.TestChunkSize);
        var chunks = new List<(SeededChunk, MerkleState)>(count);
        for (var i = 0; i < count; i++)
        {
            var chunk = SeededChunk.Generate(heartbeat, options.TestChunkSize);
            chunks.Add((chunk, heartbeat.NextChallenge(chunk.State).State));
        }

        var now = time.Micros();
        var contracts = await store.AddContractsAsync(token, chunks, options.MaxContractBytes, now, options.Interval.Ticks / 10, cancellationToken).ConfigureAwait(false);
        if (contracts.Count > 0)
        {
            DownstreamLog.ContractsMade(logger, token.FarmerId, contracts.Count, options.TestChunkSize);
        }

        await StartStreamAsync(context, "chunks").ConfigureAwait(false);
        var json = new NodeJson();
        for (var i = 0; i < contracts.Count; i++)
        {
            var (chunk, _) = chunks[i];
            var contract = contracts[i];
            json.Open()
                .String("seed", chunk.Seed)
                .Number("size", chunk.Size)
                .Number("file_hash", contract.Id)
                .Challenge("challenge", contract.CurrentChallenge)
                .Tag("tag", chunk.Tag)
                .Float("due", Seconds(contract.DueMicros - now))
                .Close();
            await SendAsync(context, json).ConfigureAwait(false);
        }

        await EndStreamAsync(context).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>GET|POST /challenge/&lt;token&gt;</c>: for each contract named (every contract of the token
    /// for GET), the running challenge, or the next one once the running one is due.
    /// </summary>
    public async Task ChallengesAsync(HttpContext context, string tokenText, bool compact)
    {
        var cancellationToken = context.RequestAborted;
        var token = await FindTokenAsync(tokenText, cancellationToken).ConfigureAwait(false);
        if (token is null)
        {
            await WriteAsync(context, Error(400, NonexistentToken, compact)).ConfigureAwait(false);
            return;
        }

        List<ContractId> ids;
        if (HttpMethods.IsPost(context.Request.Method))
        {
            ids = BulkRequest.Hashes(await ReadBodyAsync(context, BulkRequest.MaxBodyBytes).ConfigureAwait(false));
        }
        else
        {
            ids = [.. (await store.ContractsAsync(token.Id, cancellationToken).ConfigureAwait(false)).Select(c => new ContractId(c.Id, c.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)))];
        }

        await StartStreamAsync(context, "challenges").ConfigureAwait(false);
        var json = new NodeJson();
        for (var start = 0; start < ids.Count; start += ChallengeBatch)
        {
            var seen = new HashSet<long?>();
            foreach (var id in ids.Skip(start).Take(ChallengeBatch))
            {
                if (seen.Add(id.Value))
                {
                    await ChallengeAsync(json, token, id, cancellationToken).ConfigureAwait(false);
                }
            }

            await SendAsync(context, json).ConfigureAwait(false);
        }

        await EndStreamAsync(context).ConfigureAwait(false);
    }

    private async Task ChallengeAsync(NodeJson json, FarmerToken token, ContractId id, CancellationToken cancellationToken)
    {
        // Twice at most: a contract another request moved on meanwhile is read again and answered as it now is.
        for (var attempt = 0; ; attempt++)
        {
            var contract = id.Value is { } value ? await store.FindContractAsync(token.Id, value, cancellationToken).ConfigureAwait(false) : null;
            if (contract is null)
            {
                json.Open().Raw("file_hash", id.Echo).String("error", "contract not found").Close();
                return;
            }

            var now = time.Micros();
            if (!contract.IsOnline(now))
            {
                json.Open().Number("file_hash", contract.Id).String("error", "contract expired").Close();
                return;
            }

            if (now < contract.DueMicros || attempt > 0)
            {
                WriteChallenge(json, contract, now);
                return;
            }

            MerkleState next;
            try
            {
                next = heartbeat.NextChallenge(contract.State).State;
            }
            catch (MerkleStateException)
            {
                json.Open().Number("file_hash", contract.Id).String("status", "no more challenges").Close();
                return;
            }

            var issued = contract.WithNextChallenge(next);
            if (await store.IssueAsync(contract, issued, cancellationToken).ConfigureAwait(false))
            {
                WriteChallenge(json, issued, now);
                return;
            }
        }
    }

    private static void WriteChallenge(NodeJson json, Contract contract, long now) =>
        json.Open()
            .Number("file_hash", contract.Id)
            .Challenge("challenge", contract.CurrentChallenge)
            .Float("due", Seconds(contract.DueMicros - now))
            .Bool("answered", contract.Answered)
            .Close();

    /// <summary><c>POST /answer/&lt;token&gt;</c>: checks each proof against its contract's running challenge.</summary>
    public async Task AnswersAsync(HttpContext context, string tokenText, bool compact)
    {
        var cancellationToken = context.RequestAborted;
        var token = await FindTokenAsync(tokenText, cancellationToken).ConfigureAwait(false);
        if (token is null)
        {
            await WriteAsync(context, Error(400, NonexistentToken, compact)).ConfigureAwait(false);
            return;
        }

        if (!await IpAllowedAsync(context, token, move: false).ConfigureAwait(false))
        {
            await WriteAsync(context, IpDisallowed(compact)).ConfigureAwait(false);
            return;
        }

        var proofs = BulkRequest.Proofs(await ReadBodyAsync(context, BulkRequest.MaxBodyBytes).ConfigureAwait(false));
        await StartStreamAsync(context, "report").ConfigureAwait(false);
        var json = new NodeJson();
        foreach (var item in proofs)
        {
            var report = await AnswerAsync(token, item, cancellationToken).ConfigureAwait(false);
            if (report.Contract is { } answered && report.Text is "ok" or "Invalid proof" or "Proof corrupted" or "Answer failed: contract expired.")
            {
                // The farmer's reputation, for one that is also a storage node (the same key): a valid proof passes, a bad or late one fails.
                challenged?.Invoke(token.Address, report.Ok, FormattableString.Invariant($"contract {answered}: {report.Text}"));
            }

            json.Open();
            if (report.Contract is { } id)
            {
                json.Number("file_hash", id);
            }
            else
            {
                json.Raw("file_hash", item.Id.Echo);
            }

            json.String(report.Ok ? "status" : "error", report.Text).Close();
            if (json.Length > 64 * 1024)
            {
                await SendAsync(context, json).ConfigureAwait(false);
            }
        }

        await SendAsync(context, json).ConfigureAwait(false);
        await EndStreamAsync(context).ConfigureAwait(false);
    }

    private async Task<(long? Contract, bool Ok, string Text)> AnswerAsync(FarmerToken token, ProofItem item, CancellationToken cancellationToken)
    {
        var contract = item.Id.Value is { } value ? await store.FindContractAsync(token.Id, value, cancellationToken).ConfigureAwait(false) : null;
        if (contract is null)
        {
            return (null, false, "contract not found");
        }

        if (!MerkleProof.TryParse(item.Proof, out var proof))
        {
            return (contract.Id, false, "Proof corrupted");
        }

        if (!contract.IsOnline(time.Micros()))
        {
            return (contract.Id, false, "Answer failed: contract expired.");
        }

        if (contract.Answered)
        {
            return (contract.Id, false, "Challenge already answered.");
        }

        bool valid;
        try
        {
            valid = heartbeat.Verify(proof!, contract.CurrentChallenge, contract.State);
        }
        catch (MerkleStateException)
        {
            // A state this hub's key did not sign cannot be answered.
            valid = false;
        }

        if (!valid)
        {
            return (contract.Id, false, "Invalid proof");
        }

        return await store.AnswerAsync(contract, cancellationToken).ConfigureAwait(false)
            ? (contract.Id, true, "ok")
            : (contract.Id, false, "Challenge already answered.");
    }

    private static double Seconds(long micros) => micros / (double)HubClock.MicrosPerSecond;

    private static async Task StartStreamAsync(HttpContext context, string list)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = DataservResponse.JsonType;
        await context.Response.WriteAsync($"{{\"{list}\": [", context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task SendAsync(HttpContext context, NodeJson json)
    {
        if (json.Length > 0)
        {
            await context.Response.WriteAsync(json.Take(), context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static Task EndStreamAsync(HttpContext context) => context.Response.WriteAsync("]}", context.RequestAborted);

    internal static async Task WriteAsync(HttpContext context, DataservResponse response)
    {
        context.Response.StatusCode = response.Status;
        context.Response.ContentType = response.ContentType;
        context.Response.ContentLength = response.Body.Length;
        await context.Response.Body.WriteAsync(response.Body, context.RequestAborted).ConfigureAwait(false);
    }
}
