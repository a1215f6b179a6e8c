using System.Net;
using System.Net.Http.Json;
using Granary.Client.Maintenance;
using Granary.Client.Storage;
using Granary.Core.Caps;
using Granary.Core.Chk;
using Granary.Core.Protocol;
using Granary.Testing;

namespace Granary.Storage.Tests;

/// <summary>Audits of shares on a real node over Kestrel: honest answers pass, missing, flipped and replayed data fails.</summary>
public sealed class AuditTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync();

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private sealed record Stored(EncodedFile File, AuditBasis Basis)
    {
        public StorageIndex Index => File.Cap.StorageIndex;
    }

    private async Task<Stored> StoreAsync(Random random, int size, int k, int n, int segment)
    {
        var plaintext = new byte[size];
        random.NextBytes(plaintext);
        var file = await EncodedFile.CreateAsync(plaintext, new EncodingParameters(k, n, segment));
        var index = file.Cap.StorageIndex;
        var upload = Secrets.New();
        var client = _node.Client;
        await client.AllocateAsync(index, Enumerable.Range(0, n).ToArray(), file.Shares[0].Length, upload, Secrets.New(), Secrets.New(), CancellationToken.None);
        for (var share = 0; share < n; share++)
        {
            await client.WriteAsync(index, share, 0, file.Shares[share], upload, CancellationToken.None);
        }

        var basis = await ShareAudit.ReadBasisAsync(client, file.Cap.VerifyCap, random.Next(n), CancellationToken.None);
        return new Stored(file, basis);
    }

    private string ShareFile(StorageIndex index, int share)
    {
        var text = index.ToString();
        return Path.Combine(_node.Path, "shares", text[..2], text, share.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Honest_node_passes_ten_thousand_audits_of_random_files_and_blocks()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var files = new List<Stored>
        {
            await StoreAsync(random, 700, 3, 10, 1024),  // under one segment
            await StoreAsync(random, 999, 3, 10, 999),   // exactly one
            await StoreAsync(random, 2000, 3, 10, 300),  // several, short tail
            await StoreAsync(random, 1000, 1, 4, 128),   // k = 1
            await StoreAsync(random, 1234, 5, 5, 200),   // k = n
            await StoreAsync(random, 3000, 2, 256, 64),  // n = 256
            await StoreAsync(random, 40_000, 3, 10, 300), // a deeper tree
        };
        var challenges = Enumerable.Range(0, 10_000).Select(_ =>
        {
            var stored = files[random.Next(files.Count)];
            return (stored, Share: random.Next(stored.Basis.Cap.N), Blocks: ShareAudit.ChooseBlocks(stored.Basis, random.Next(1, ShareProof.MaxBlocks + 1)));
        }).ToArray();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(challenges, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (c, ct) =>
        {
            var verdict = await ShareAudit.AuditAsync(_node.Client, c.stored.Basis, c.Share, c.Blocks, Timeout, ct);
            if (!verdict.Passed)
            {
                failures.Add($"{c.stored.Index} share {c.Share} blocks [{string.Join(",", c.Blocks)}]: {verdict.Failure}");
            }
        });
        Assert.True(failures.IsEmpty, $"seed {seed}: {failures.Count} false positives, e.g. {failures.FirstOrDefault()}");
    }

    [Fact]
    public async Task A_share_deleted_on_disk_fails_as_not_held()
    {
        var stored = await StoreAsync(new Random(1), 2000, 3, 10, 300);
        Assert.True((await ShareAudit.AuditAsync(_node.Client, stored.Basis, 4, [0, 6], Timeout, CancellationToken.None)).Passed);
        File.Delete(ShareFile(stored.Index, 4));
        Assert.Equal(new AuditVerdict(false, "share not held"), await ShareAudit.AuditAsync(_node.Client, stored.Basis, 4, [0, 6], Timeout, CancellationToken.None));
        Assert.True((await ShareAudit.AuditAsync(_node.Client, stored.Basis, 5, [0, 6], Timeout, CancellationToken.None)).Passed);
    }

    [Fact]
    public async Task One_flipped_byte_in_a_stored_block_fails_the_audits_that_ask_for_it()
    {
        var stored = await StoreAsync(new Random(2), 2000, 3, 10, 300);
        var header = stored.File.Encoding.Header;
        FlipByte(ShareFile(stored.Index, 2), header.BlockOffset(3) + 17);
        Assert.Equal(new AuditVerdict(false, "block 3 does not hash to its leaf"), await ShareAudit.AuditAsync(_node.Client, stored.Basis, 2, [1, 3], Timeout, CancellationToken.None));
        Assert.True((await ShareAudit.AuditAsync(_node.Client, stored.Basis, 2, [1, 4], Timeout, CancellationToken.None)).Passed);
    }

    [Fact]
    public async Task A_flipped_byte_in_the_stored_block_hash_tree_or_share_hashes_fails()
    {
        var stored = await StoreAsync(new Random(3), 2000, 3, 10, 300);
        var header = stored.File.Encoding.Header;
        var width = Core.Hashing.MerkleTree.WidthFor(stored.Basis.SegmentCount);

        // Leaf 5's stored hash: an audit of block 5 carries it, and of block 4 (its sibling).
        FlipByte(ShareFile(stored.Index, 1), header.BlockHashesOffset + (32L * (width - 1 + 5)) + 3);
        Assert.False((await ShareAudit.AuditAsync(_node.Client, stored.Basis, 1, [5], Timeout, CancellationToken.None)).Passed);
        Assert.False((await ShareAudit.AuditAsync(_node.Client, stored.Basis, 1, [4], Timeout, CancellationToken.None)).Passed);

        FlipByte(ShareFile(stored.Index, 7), header.ShareHashesOffset + 20);
        var verdict = await ShareAudit.AuditAsync(_node.Client, stored.Basis, 7, [0], Timeout, CancellationToken.None);
        Assert.False(verdict.Passed);
        Assert.StartsWith("proof path does not lead to the share root", verdict.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_that_replays_a_recorded_proof_after_dropping_the_share_fails()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var stored = await StoreAsync(random, 40_000, 3, 10, 300);
        using var replaying = new ReplayingHandler();
        using var http = new HttpClient(replaying);
        var cheat = new StorageClient(_node.Url, http);
        var recorded = ShareAudit.ChooseBlocks(stored.Basis, 4);
        Assert.True((await ShareAudit.AuditAsync(cheat, stored.Basis, 6, recorded, Timeout, CancellationToken.None)).Passed);
        File.Delete(ShareFile(stored.Index, 6));
        replaying.Replay = true;
        for (var i = 0; i < 50; i++)
        {
            var asked = ShareAudit.ChooseBlocks(stored.Basis, 4);
            if (asked.SequenceEqual(recorded))
            {
                continue;
            }

            var verdict = await ShareAudit.AuditAsync(cheat, stored.Basis, 6, asked, Timeout, CancellationToken.None);
            Assert.False(verdict.Passed, $"seed {seed}: a replay of [{string.Join(",", recorded)}] passed for [{string.Join(",", asked)}]");
        }
    }

    [Fact]
    public async Task A_late_node_fails_as_timed_out_and_the_callers_own_cancellation_throws()
    {
        var stored = await StoreAsync(new Random(4), 2000, 3, 10, 300);
        using var slow = new ReplayingHandler { Delay = TimeSpan.FromSeconds(30) };
        using var http = new HttpClient(slow);
        var late = new StorageClient(_node.Url, http);
        Assert.Equal(new AuditVerdict(false, "timed out"), await ShareAudit.AuditAsync(late, stored.Basis, 0, [1], TimeSpan.FromMilliseconds(200), CancellationToken.None));
        using var shutdown = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ShareAudit.AuditAsync(late, stored.Basis, 0, [1], Timeout, shutdown.Token));
    }

    [Fact]
    public async Task An_unreachable_node_or_a_garbage_answer_is_a_failed_verdict()
    {
        var stored = await StoreAsync(new Random(5), 2000, 3, 10, 300);
        var gone = new StorageClient(new StorageUrl(_node.Url.NodeId, "127.0.0.1", 1, _node.Url.Secret), StorageClient.CreateHttpClient());
        var verdict = await ShareAudit.AuditAsync(gone, stored.Basis, 0, [1], Timeout, CancellationToken.None);
        Assert.False(verdict.Passed);
        Assert.StartsWith("unreachable: ", verdict.Failure, StringComparison.Ordinal);

        using var garbage = new ReplayingHandler { Garbage = true };
        using var http = new HttpClient(garbage);
        verdict = await ShareAudit.AuditAsync(new StorageClient(_node.Url, http), stored.Basis, 0, [1], Timeout, CancellationToken.None);
        Assert.False(verdict.Passed);
        Assert.Contains("cannot parse", verdict.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hostile_proof_requests_get_a_4xx_with_a_JSON_error()
    {
        var stored = await StoreAsync(new Random(6), 2000, 3, 10, 300);
        foreach (var (body, status) in new[]
        {
            ("{}", HttpStatusCode.BadRequest),
            ("{\"blocks\":[]}", HttpStatusCode.BadRequest),
            ("{\"blocks\":null}", HttpStatusCode.BadRequest),
            ("{\"blocks\":[1,1]}", HttpStatusCode.BadRequest),
            ("{\"blocks\":[-1]}", HttpStatusCode.BadRequest),
            ("{\"blocks\":[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]}", HttpStatusCode.BadRequest),
            ("{\"blocks\":[1e99]}", HttpStatusCode.BadRequest),
            ("{\"blocks\":[99999999999]}", HttpStatusCode.BadRequest),
            ("{\"blocks\":\"3\"}", HttpStatusCode.BadRequest),
            ("{\"blocks\":[1],\"surprise\":1}", HttpStatusCode.BadRequest),
            ("[1,2]", HttpStatusCode.BadRequest),
            ("{not json", HttpStatusCode.BadRequest),
            ("", HttpStatusCode.BadRequest),
            ("{\"blocks\":[" + string.Join(",", Enumerable.Repeat("1", 40_000)) + "]}", HttpStatusCode.RequestEntityTooLarge),
            ("{\"blocks\":[7]}", HttpStatusCode.RequestedRangeNotSatisfiable),
        })
        {
            var request = _node.Request(HttpMethod.Post, $"immutable/{stored.Index}/0/proof");
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            using var response = await _node.SendAsync(request);
            Assert.True(status == response.StatusCode, $"{body[..Math.Min(body.Length, 60)]} answered {response.StatusCode}");
            Assert.NotNull(await response.Content.ReadFromJsonAsync<ErrorBody>(StorageProtocol.Json));
        }

        foreach (var path in new[] { $"immutable/{TestNode.RandomIndex()}/0/proof", $"immutable/{stored.Index}/300/proof", "immutable/zz/0/proof" })
        {
            var request = _node.Request(HttpMethod.Post, path);
            request.Content = new StringContent("{\"blocks\":[0]}", System.Text.Encoding.UTF8, "application/json");
            using var response = await _node.SendAsync(request);
            Assert.InRange((int)response.StatusCode, 400, 404);
        }
    }

    [Fact]
    public async Task A_share_damaged_beyond_proving_answers_409_not_a_server_error()
    {
        var stored = await StoreAsync(new Random(7), 2000, 3, 10, 300);
        FlipByte(ShareFile(stored.Index, 3), 2);
        var request = _node.Request(HttpMethod.Post, $"immutable/{stored.Index}/3/proof");
        request.Content = JsonContent.Create(new ProofRequest([0]), options: StorageProtocol.Json);
        using var response = await _node.SendAsync(request);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.False((await ShareAudit.AuditAsync(_node.Client, stored.Basis, 3, [0], Timeout, CancellationToken.None)).Passed);
    }

    private static void FlipByte(string path, long offset)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
        var one = new byte[1];
        RandomAccess.Read(handle, one, offset);
        one[0] ^= 0x40;
        RandomAccess.Write(handle, one, offset);
    }

    /// <summary>A node's network face that records its first proof and, once told to, answers every later proof request with it (or answers late, or with garbage).</summary>
    private sealed class ReplayingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        private byte[]? _recorded;

        public bool Replay { get; set; }

        public bool Garbage { get; init; }

        public TimeSpan Delay { get; init; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Delay(Delay, cancellationToken);
            if (Garbage || (Replay && _recorded is not null))
            {
                return new HttpResponseMessage(HttpStatusCode.OK)
                {
                    Content = new ByteArrayContent(Garbage ? System.Security.Cryptography.RandomNumberGenerator.GetBytes(300) : _recorded!),
                };
            }

            var response = await base.SendAsync(request, cancellationToken);
            if (request.RequestUri!.AbsolutePath.EndsWith("/proof", StringComparison.Ordinal) && response.IsSuccessStatusCode && _recorded is null)
            {
                _recorded = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                response.Content = new ByteArrayContent(_recorded);
            }

            return response;
        }
    }
}
