using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Granary.Core.Identity;
using Granary.Core.Proofs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Granary.Storage.Hubs;

/// <summary>
/// Farms downstream contracts from each of the node's hubs, as downstream-farmer does
/// (proofs-of-storage §2): registers a token with the node's own address and a message it signed,
/// holds <see cref="StorageNodeOptions.FarmContracts"/> chunks from each hub, written from their
/// seeds with RandomIO under <c>DIR/farm/</c>, and answers every challenge with a proof read from the
/// bytes on disk, then asks for the next one once it is due.
/// </summary>
/// <remarks>
/// The token and each contract's tag (which the hub sends only once) are kept on disk, so a restarted
/// node resumes its contracts: it asks the hub for their current challenges, and drops those the hub
/// says are over. Chunk bytes are reserved from the node's space like any share. A hub that fails is
/// retried with growing pauses (up to a minute), as <see cref="HubAgent"/> does.
/// </remarks>
internal sealed class ContractFarmer(NodeDirectory directory, SpaceAccounting space, TimeProvider time, ILogger<ContractFarmer> logger) : BackgroundService
{
    public const string FarmDirectory = "farm";
    private const string Root = "api/downstream/v1/";

    // A hub with no contract to give is asked again this much later.
    private static readonly TimeSpan EmptyPoolPause = TimeSpan.FromSeconds(60);

    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2) }) { Timeout = TimeSpan.FromSeconds(60) };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = directory.Options;
        if (options.FarmContracts == 0 || options.Hubs.Count == 0)
        {
            return;
        }

        var farms = options.Hubs.Select(hub => new Farm(new Uri(hub.EndsWith('/') ? hub : hub + "/"), directory, space, time, logger)).ToList();
        foreach (var farm in farms)
        {
            space.AddExisting(farm.BytesOnDisk());
        }

        await Task.WhenAll(farms.Select(farm => farm.ServeAsync(stoppingToken))).ConfigureAwait(false);
    }

    /// <summary>One contract held: its chunk file, the tag the hub sent with it, and the challenge running now.</summary>
    private sealed class Contract(long id, long size, MerkleTag tag)
    {
        public long Id { get; } = id;

        public long Size { get; } = size;

        public MerkleTag Tag { get; } = tag;

        public MerkleChallenge? Challenge { get; set; }

        public DateTimeOffset Due { get; set; }

        public bool Answered { get; set; }
    }

    /// <summary>The contracts of one hub, and the loop that keeps them.</summary>
    private sealed class Farm(Uri hub, NodeDirectory node, SpaceAccounting space, TimeProvider time, ILogger logger)
    {
        private readonly string _dir = Path.Combine(node.Path, FarmDirectory, DirectoryName(hub));
        private readonly Dictionary<long, Contract> _contracts = [];
        private string? _token;
        private bool _resumed;
        private DateTimeOffset _askAgain = DateTimeOffset.MinValue;

        private string TokenFile => Path.Combine(_dir, "token");

        private string ChunkFile(long id) => Path.Combine(_dir, id.ToString(CultureInfo.InvariantCulture) + ".chunk");

        private string TagFile(long id) => Path.Combine(_dir, id.ToString(CultureInfo.InvariantCulture) + ".tag");

        public long BytesOnDisk() =>
            Directory.Exists(_dir) ? new DirectoryInfo(_dir).EnumerateFiles("*.chunk").Sum(f => f.Length) : 0;

        public async Task ServeAsync(CancellationToken cancellationToken)
        {
            var pause = TimeSpan.FromSeconds(1);
            var troubled = false;
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    _token ??= await TokenAsync(cancellationToken).ConfigureAwait(false);
                    if (!_resumed)
                    {
                        await ResumeAsync(cancellationToken).ConfigureAwait(false);
                        _resumed = true;
                    }

                    await TakeContractsAsync(cancellationToken).ConfigureAwait(false);
                    await AnswerAsync(cancellationToken).ConfigureAwait(false);
                    await RenewAsync(cancellationToken).ConfigureAwait(false);
                    if (troubled)
                    {
                        StorageLog.HubBack(logger, hub.ToString());
                        troubled = false;
                    }

                    pause = TimeSpan.FromSeconds(1);
                    await Task.Delay(UntilNextWork(), time, cancellationToken).ConfigureAwait(false);
                }
                catch (TokenLostException)
                {
                    // The hub forgot the token (a new hub database): register anew; the old contracts are gone with it.
                    StorageLog.FarmTokenLost(logger, hub.ToString(), _contracts.Count);
                    foreach (var id in _contracts.Keys.ToList())
                    {
                        Drop(id);
                    }

                    File.Delete(TokenFile);
                    _token = null;
                }
                catch (Exception e) when (e is HttpRequestException or FarmRefusedException or JsonException or IOException
                    or KeyNotFoundException or InvalidOperationException or FormatException // a hub answer without the fields the spec names
                    || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    StorageLog.HubTrouble(logger, hub.ToString(), e is TaskCanceledException ? "no answer in time" : "farming: " + e.Message, (int)pause.TotalSeconds);
                    troubled = true;
                    await Task.Delay(pause, time, cancellationToken).ConfigureAwait(false);
                    pause = TimeSpan.FromSeconds(Math.Min(60, pause.TotalSeconds * 2));
                }
            }
        }

        // The saved token if the hub still knows it, else a new one for the node's address.
        private async Task<string> TokenAsync(CancellationToken cancellationToken)
        {
            Directory.CreateDirectory(_dir);
            if (File.Exists(TokenFile))
            {
                var saved = (await File.ReadAllTextAsync(TokenFile, cancellationToken).ConfigureAwait(false)).Trim();
                using var heartbeat = await Http.GetAsync(new Uri(hub, Root + "heartbeat/" + saved), cancellationToken).ConfigureAwait(false);
                if (heartbeat.IsSuccessStatusCode)
                {
                    return saved;
                }

                if (heartbeat.StatusCode != HttpStatusCode.NotFound)
                {
                    throw await RefusedAsync(heartbeat, "asking for the heartbeat", cancellationToken).ConfigureAwait(false);
                }

                throw new TokenLostException();
            }

            var key = node.Key;
            var message = $"Granary node {key.NodeId} farms contracts of {hub}";
            using var response = await PostJsonAsync(
                "new/" + key.Address, JsonSerializer.Serialize(new { message, signature = BitcoinMessage.Sign(key.PrivateKey, message) }), cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw await RefusedAsync(response, "registering a token", cancellationToken).ConfigureAwait(false);
            }

            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            var token = body.RootElement.GetProperty("token").GetString() ?? throw new FarmRefusedException("its new token is not text");
            await File.WriteAllTextAsync(TokenFile, token + "\n", cancellationToken).ConfigureAwait(false);
            StorageLog.FarmRegistered(logger, hub.ToString(), key.Address.ToString());
            return token;
        }

        // Contracts left on disk by an earlier run: their current challenges, or gone if the hub says they are over.
        private async Task ResumeAsync(CancellationToken cancellationToken)
        {
            // A chunk without its tag was being written when the node stopped: nothing can be proved from it.
            foreach (var chunk in new DirectoryInfo(_dir).EnumerateFiles("*.chunk").Where(c => !File.Exists(Path.ChangeExtension(c.FullName, ".tag"))))
            {
                space.Free(chunk.Length);
                chunk.Delete();
            }

            foreach (var tagFile in Directory.EnumerateFiles(_dir, "*.tag"))
            {
                if (!long.TryParse(Path.GetFileNameWithoutExtension(tagFile), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                {
                    continue;
                }

                using var json = JsonDocument.Parse(await File.ReadAllTextAsync(tagFile, cancellationToken).ConfigureAwait(false));
                var chunk = new FileInfo(ChunkFile(id));
                if (MerkleTag.TryParse(json.RootElement, out var tag) && chunk.Exists)
                {
                    _contracts[id] = new Contract(id, chunk.Length, tag!) { Answered = true, Due = DateTimeOffset.MinValue };
                }
                else
                {
                    Drop(id);
                }
            }

            await RenewAsync(cancellationToken).ConfigureAwait(false);
        }

        // Tops the contracts up to the number wanted, one hub chunk per call (the hub's test chunk size).
        private async Task TakeContractsAsync(CancellationToken cancellationToken)
        {
            while (_contracts.Count < node.Options.FarmContracts && time.GetUtcNow() >= _askAgain)
            {
                using var response = await Http.GetAsync(new Uri(hub, Root + "chunk/" + _token), cancellationToken).ConfigureAwait(false);
                using var body = await ReadAsync(response, "asking for contracts", cancellationToken).ConfigureAwait(false);
                var chunks = body.RootElement.GetProperty("chunks");
                if (chunks.GetArrayLength() == 0)
                {
                    // The hub's pool is empty or this address has had all the contract bytes it may: ask again later.
                    StorageLog.FarmNoContracts(logger, hub.ToString(), _contracts.Count, (int)EmptyPoolPause.TotalSeconds);
                    _askAgain = time.GetUtcNow() + EmptyPoolPause;
                    return;
                }

                foreach (var chunk in chunks.EnumerateArray())
                {
                    await TakeAsync(chunk, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        private async Task TakeAsync(JsonElement chunk, CancellationToken cancellationToken)
        {
            var id = chunk.GetProperty("file_hash").GetInt64();
            var size = chunk.GetProperty("size").GetInt64();
            if (!MerkleTag.TryParse(chunk.GetProperty("tag"), out var tag) || !MerkleChallenge.TryParse(chunk.GetProperty("challenge"), out var challenge))
            {
                throw new FarmRefusedException($"contract {id} came with a tag or challenge that does not parse");
            }

            if (!space.TryReserve(size))
            {
                // Left to expire at the hub: a node never gives its shares' room to a test chunk.
                StorageLog.FarmNoRoom(logger, hub.ToString(), id, size);
                _askAgain = time.GetUtcNow() + EmptyPoolPause;
                return;
            }

            try
            {
                using var random = new RandomIo(chunk.GetProperty("seed").GetString() ?? "");
                var file = File.Create(ChunkFile(id));
                await using (file.ConfigureAwait(false))
                {
                    await random.WriteAsync(file, size, cancellationToken: cancellationToken).ConfigureAwait(false);
                }

                await File.WriteAllTextAsync(TagFile(id), tag!.ToJson(), cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                space.Cancel(size);
                File.Delete(ChunkFile(id));
                throw;
            }

            space.Commit(size);
            _contracts[id] = new Contract(id, size, tag) { Challenge = challenge, Due = time.GetUtcNow() + Seconds(chunk.GetProperty("due")) };
            StorageLog.FarmContractTaken(logger, hub.ToString(), id, size);
        }

        // Proofs of every challenge not answered yet, from the chunks as they are on disk, in one request.
        private async Task AnswerAsync(CancellationToken cancellationToken)
        {
            var open = _contracts.Values.Where(c => !c.Answered && c.Challenge is not null).ToList();
            if (open.Count == 0)
            {
                return;
            }

            var proofs = new StringBuilder("{\"proofs\": [");
            foreach (var contract in open)
            {
                string proof;
                try
                {
                    using var chunk = File.OpenRead(ChunkFile(contract.Id));
                    proof = MerkleHeartbeat.Prove(chunk, contract.Challenge!, contract.Tag).ToJson();
                }
                catch (FileNotFoundException)
                {
                    StorageLog.FarmContractDropped(logger, hub.ToString(), contract.Id, "its chunk file is gone");
                    Drop(contract.Id);
                    continue;
                }

                proofs.Append(CultureInfo.InvariantCulture, $"{(proofs[^1] == '[' ? "" : ", ")}{{\"file_hash\": {contract.Id}, \"proof\": {proof}}}");
            }

            proofs.Append("]}");
            using var response = await PostJsonAsync("answer/" + _token, proofs.ToString(), cancellationToken).ConfigureAwait(false);
            using var body = await ReadAsync(response, "answering challenges", cancellationToken).ConfigureAwait(false);
            foreach (var entry in body.RootElement.GetProperty("report").EnumerateArray())
            {
                if (!entry.GetProperty("file_hash").TryGetInt64(out var id) || !_contracts.TryGetValue(id, out var contract))
                {
                    continue;
                }

                if (entry.TryGetProperty("status", out _) || entry.GetProperty("error").GetString() == "Challenge already answered.")
                {
                    contract.Answered = true;
                    StorageLog.FarmAnswered(logger, hub.ToString(), id);
                }
                else
                {
                    StorageLog.FarmContractDropped(logger, hub.ToString(), id, "the hub answered: " + entry.GetProperty("error").GetString());
                    Drop(id);
                }
            }
        }

        // The next challenge of every answered contract whose current one is due.
        private async Task RenewAsync(CancellationToken cancellationToken)
        {
            var now = time.GetUtcNow();
            var due = _contracts.Values.Where(c => c.Answered && c.Due <= now).Select(c => c.Id).ToList();
            if (due.Count == 0)
            {
                return;
            }

            using var response = await PostJsonAsync("challenge/" + _token, JsonSerializer.Serialize(new { hashes = due }), cancellationToken).ConfigureAwait(false);
            using var body = await ReadAsync(response, "asking for challenges", cancellationToken).ConfigureAwait(false);
            foreach (var entry in body.RootElement.GetProperty("challenges").EnumerateArray())
            {
                if (!entry.GetProperty("file_hash").TryGetInt64(out var id) || !_contracts.TryGetValue(id, out var contract))
                {
                    continue;
                }

                if (!entry.TryGetProperty("challenge", out var sent) || !MerkleChallenge.TryParse(sent, out var challenge))
                {
                    var why = entry.TryGetProperty("error", out var error) ? error.GetString() : entry.TryGetProperty("status", out var status) ? status.GetString() : "no challenge";
                    StorageLog.FarmContractDropped(logger, hub.ToString(), id, "the hub answered: " + why);
                    Drop(id);
                    continue;
                }

                // Answered: still the running challenge (after a restart, or the hub's clock a little behind), so ask again when it is due.
                contract.Challenge = challenge;
                contract.Answered = entry.GetProperty("answered").GetBoolean();
                contract.Due = now + Seconds(entry.GetProperty("due")) + (contract.Answered ? TimeSpan.FromMilliseconds(500) : TimeSpan.Zero);
            }
        }

        // Until the earliest answered contract's challenge is due; soon when some are still unanswered.
        private TimeSpan UntilNextWork()
        {
            var now = time.GetUtcNow();
            if (_contracts.Values.Any(c => !c.Answered))
            {
                return TimeSpan.FromSeconds(1);
            }

            var next = _contracts.Values.Select(c => c.Due).DefaultIfEmpty(DateTimeOffset.MaxValue).Min();
            if (_contracts.Count < node.Options.FarmContracts && _askAgain < next)
            {
                next = _askAgain;
            }

            var wait = next == DateTimeOffset.MaxValue ? EmptyPoolPause : next - now;
            return wait < TimeSpan.FromMilliseconds(200) ? TimeSpan.FromMilliseconds(200) : wait > EmptyPoolPause ? EmptyPoolPause : wait;
        }

        private void Drop(long id)
        {
            var chunk = new FileInfo(ChunkFile(id));
            if (chunk.Exists)
            {
                space.Free(chunk.Length);
                chunk.Delete();
            }

            File.Delete(TagFile(id));
            _contracts.Remove(id);
        }

        private static TimeSpan Seconds(JsonElement due) => TimeSpan.FromSeconds(Math.Max(0, due.GetDouble()));

        private Task<HttpResponseMessage> PostJsonAsync(string path, string json, CancellationToken cancellationToken) =>
            Http.PostAsync(new Uri(hub, Root + path), new StringContent(json, Encoding.UTF8, "application/json"), cancellationToken);

        private static async Task<JsonDocument> ReadAsync(HttpResponseMessage response, string doing, CancellationToken cancellationToken)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.BadRequest && text.Contains("Nonexistent token.", StringComparison.Ordinal))
            {
                throw new TokenLostException();
            }

            return response.IsSuccessStatusCode ? JsonDocument.Parse(text) : throw Refused(response, doing, text);
        }

        private static async Task<FarmRefusedException> RefusedAsync(HttpResponseMessage response, string doing, CancellationToken cancellationToken) =>
            Refused(response, doing, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));

        private static FarmRefusedException Refused(HttpResponseMessage response, string doing, string body) =>
            new($"{doing} was answered {(int)response.StatusCode}: {(body.Length > 200 ? body[..200] + "…" : body)}");

        // A directory name for a hub URL: its host, port and path, with anything but letters and digits as '_'.
        private static string DirectoryName(Uri hub) =>
            string.Concat($"{hub.Host}_{hub.Port}{hub.AbsolutePath.TrimEnd('/')}".Select(c => char.IsAsciiLetterOrDigit(c) || c == '.' ? c : '_'));
    }

    private sealed class FarmRefusedException(string message) : Exception(message);

    private sealed class TokenLostException : Exception;
}
