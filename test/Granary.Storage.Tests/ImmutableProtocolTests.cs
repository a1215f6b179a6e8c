using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Granary.Client.Storage;
using Granary.Core.Protocol;

namespace Granary.Storage.Tests;

public sealed class ImmutableProtocolTests : IAsyncLifetime
{
    private TestNode _node = null!;
    private readonly byte[] _upload = Secrets.New();
    private readonly byte[] _renew = Secrets.New();
    private readonly byte[] _cancel = Secrets.New();

    public async Task InitializeAsync() => _node = await TestNode.StartAsync();

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private Task<AllocateResult> AllocateAsync(Core.Caps.StorageIndex index, int[] shares, long size, byte[]? upload = null) =>
        _node.Client.AllocateAsync(index, shares, size, upload ?? _upload, _renew, _cancel, CancellationToken.None);

    [Fact]
    public async Task Every_request_needs_the_node_secret()
    {
        using var none = await _node.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(_node.Url.BaseAddress, "storage/v1/version")));
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Contains("Authorization", (await none.Content.ReadFromJsonAsync<ErrorBody>(StorageProtocol.Json))!.Error, StringComparison.Ordinal);

        var wrong = new HttpRequestMessage(HttpMethod.Get, new Uri(_node.Url.BaseAddress, "storage/v1/version"));
        wrong.Headers.TryAddWithoutValidation("Authorization", "Granary aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        using var refused = await _node.SendAsync(wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        var version = await _node.Client.GetVersionAsync(CancellationToken.None);
        Assert.Equal(StorageProtocol.Version, version.Protocol);
        Assert.Equal(_node.Url.NodeId.ToString(), version.NodeId);
        Assert.True(version.AvailableSpace > 0);
        Assert.Equal(31 * 24 * 3600, version.LeaseDurationSeconds);
    }

    [Fact]
    public async Task A_share_becomes_visible_only_when_every_byte_is_written()
    {
        var index = TestNode.RandomIndex();
        var data = new byte[1000];
        new Random(1).NextBytes(data);
        var allocation = await AllocateAsync(index, [3, 7], data.Length);
        Assert.Equal(new[] { 3, 7 }, allocation.Allocated);
        Assert.Empty(allocation.AlreadyHave);

        var progress = await _node.Client.WriteAsync(index, 3, 0, data.AsMemory(0, 600), _upload, CancellationToken.None);
        Assert.Equal(new[] { new ByteRange(600, 1000) }, progress.Required);
        Assert.Empty(await _node.Client.ListSharesAsync(index, CancellationToken.None));
        var early = await Assert.ThrowsAsync<StorageException>(() => _node.Client.ReadAsync(index, 3, 0, new byte[10], CancellationToken.None));
        Assert.Equal(HttpStatusCode.NotFound, early.Status);

        progress = await _node.Client.WriteAsync(index, 3, 600, data.AsMemory(600), _upload, CancellationToken.None);
        Assert.Empty(progress.Required);
        Assert.Equal(new[] { 3 }, await _node.Client.ListSharesAsync(index, CancellationToken.None));
        var back = new byte[1000];
        Assert.Equal(1000, await _node.Client.ReadAsync(index, 3, 0, back, CancellationToken.None));
        Assert.Equal(data, back);

        var again = await AllocateAsync(index, [3, 7], data.Length);
        Assert.Equal(new[] { 3 }, again.AlreadyHave);
        Assert.Equal(new[] { 7 }, again.Allocated);
    }

    [Fact]
    public async Task Writes_are_write_once_identical_bytes_pass_and_different_bytes_conflict()
    {
        var index = TestNode.RandomIndex();
        await AllocateAsync(index, [0], 100);
        await _node.Client.WriteAsync(index, 0, 0, new byte[50], _upload, CancellationToken.None);
        await _node.Client.WriteAsync(index, 0, 20, new byte[40], _upload, CancellationToken.None);
        var conflict = await Assert.ThrowsAsync<StorageException>(() => _node.Client.WriteAsync(index, 0, 10, Enumerable.Repeat((byte)1, 5).ToArray(), _upload, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Conflict, conflict.Status);

        var done = await _node.Client.WriteAsync(index, 0, 60, new byte[40], _upload, CancellationToken.None);
        Assert.Empty(done.Required);

        // Repeating the last write after completion (a lost answer) succeeds; changing it does not.
        Assert.Empty((await _node.Client.WriteAsync(index, 0, 60, new byte[40], _upload, CancellationToken.None)).Required);
        var late = await Assert.ThrowsAsync<StorageException>(() => _node.Client.WriteAsync(index, 0, 60, Enumerable.Repeat((byte)9, 40).ToArray(), _upload, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Conflict, late.Status);
    }

    [Fact]
    public async Task Writes_past_the_allocation_without_one_or_with_the_wrong_secret_are_refused()
    {
        var index = TestNode.RandomIndex();
        await AllocateAsync(index, [0], 100);
        var outOfRange = await Assert.ThrowsAsync<StorageException>(() => _node.Client.WriteAsync(index, 0, 90, new byte[20], _upload, CancellationToken.None));
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, outOfRange.Status);
        var wrongSecret = await Assert.ThrowsAsync<StorageException>(() => _node.Client.WriteAsync(index, 0, 0, new byte[10], Secrets.New(), CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, wrongSecret.Status);
        var unallocated = await Assert.ThrowsAsync<StorageException>(() => _node.Client.WriteAsync(index, 1, 0, new byte[10], _upload, CancellationToken.None));
        Assert.Equal(HttpStatusCode.NotFound, unallocated.Status);

        var request = _node.Request(HttpMethod.Patch, $"immutable/{index}/0");
        request.Content = new ByteArrayContent(new byte[10]);
        request.Content.Headers.TryAddWithoutValidation("Content-Range", "bytes 0-9/*");
        using var noSecret = await _node.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, noSecret.StatusCode);
    }

    [Fact]
    public async Task The_same_client_allocating_again_keeps_its_upload()
    {
        var index = TestNode.RandomIndex();
        await AllocateAsync(index, [0], 100);
        await _node.Client.WriteAsync(index, 0, 0, new byte[40], _upload, CancellationToken.None);
        Assert.Equal(new[] { 0 }, (await AllocateAsync(index, [0], 100)).Allocated);
        var progress = await _node.Client.WriteAsync(index, 0, 40, new byte[10], _upload, CancellationToken.None);
        Assert.Equal(new[] { new ByteRange(50, 100) }, progress.Required);
    }

    [Theory]
    [InlineData("", "Content-Range")]
    [InlineData("bytes 5-2/*", "Content-Range")]
    [InlineData("bytes=0-9", "Content-Range")]
    [InlineData("items 0-9/*", "Content-Range")]
    public async Task Malformed_content_ranges_are_rejected(string range, string reason)
    {
        var index = TestNode.RandomIndex();
        await AllocateAsync(index, [0], 100);
        using var response = await _node.SendAsync(Patch(index, 0, range, new byte[10]));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, (await response.Content.ReadFromJsonAsync<ErrorBody>(StorageProtocol.Json))!.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(5, "ended after 5")]
    [InlineData(15, "longer than")]
    public async Task A_body_that_does_not_match_its_range_is_rejected(int bodyLength, string reason)
    {
        var index = TestNode.RandomIndex();
        await AllocateAsync(index, [0], 100);
        var request = Patch(index, 0, "bytes 0-9/*", new byte[bodyLength]);
        request.Content!.Headers.ContentLength = null; // chunked, so the node sees the real length
        using var response = await _node.SendAsync(request);
        var error = (await response.Content.ReadFromJsonAsync<ErrorBody>(StorageProtocol.Json))!.Error;
        Assert.True(HttpStatusCode.BadRequest == response.StatusCode, $"{response.StatusCode}: {error}");
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oversized_write_is_refused_before_it_is_read()
    {
        await using var node = await TestNode.StartAsync(o => o.MaximumWriteSize = 4096);
        var index = TestNode.RandomIndex();
        await node.Client.AllocateAsync(index, [0], 10_000, _upload, _renew, _cancel, CancellationToken.None);
        var error = await Assert.ThrowsAsync<StorageException>(() => node.Client.WriteAsync(index, 0, 0, new byte[5000], _upload, CancellationToken.None));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, error.Status);
    }

    [Fact]
    public async Task Aborting_drops_the_upload_and_frees_its_space()
    {
        var index = TestNode.RandomIndex();
        var before = (await _node.Client.GetVersionAsync(CancellationToken.None)).AvailableSpace;
        await AllocateAsync(index, [0], 100_000);
        Assert.InRange((await _node.Client.GetVersionAsync(CancellationToken.None)).AvailableSpace, before - 100_000 - (1 << 20), before - 100_000 + (1 << 20));
        await _node.Client.AbortAsync(index, 0, _upload, CancellationToken.None);
        Assert.InRange((await _node.Client.GetVersionAsync(CancellationToken.None)).AvailableSpace, before - (1 << 20), before + (1 << 20));
        var gone = await Assert.ThrowsAsync<StorageException>(() => _node.Client.WriteAsync(index, 0, 0, new byte[10], _upload, CancellationToken.None));
        Assert.Equal(HttpStatusCode.NotFound, gone.Status);
        var again = await Assert.ThrowsAsync<StorageException>(() => _node.Client.AbortAsync(index, 0, _upload, CancellationToken.None));
        Assert.Equal(HttpStatusCode.NotFound, again.Status);
    }

    [Fact]
    public async Task Reads_honour_ranges_and_refuse_bad_ones()
    {
        var index = TestNode.RandomIndex();
        var data = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        await AllocateAsync(index, [1], data.Length);
        await _node.Client.WriteAsync(index, 1, 0, data, _upload, CancellationToken.None);

        var request = _node.Request(HttpMethod.Get, $"immutable/{index}/1");
        request.Headers.Range = new RangeHeaderValue(10, 19);
        using (var partial = await _node.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
            Assert.Equal("bytes 10-19/256", partial.Content.Headers.ContentRange!.ToString());
            Assert.Equal(data[10..20], await partial.Content.ReadAsByteArrayAsync());
        }

        using (var whole = await _node.SendAsync(_node.Request(HttpMethod.Get, $"immutable/{index}/1")))
        {
            Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
            Assert.Equal(data, await whole.Content.ReadAsByteArrayAsync());
        }

        request = _node.Request(HttpMethod.Get, $"immutable/{index}/1");
        request.Headers.Range = new RangeHeaderValue(1000, 2000);
        using (var beyond = await _node.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, beyond.StatusCode);
        }

        foreach (var bad in new[] { "bytes=abc", "bytes=0-1,5-6", "lines=0-5" })
        {
            request = _node.Request(HttpMethod.Get, $"immutable/{index}/1");
            request.Headers.TryAddWithoutValidation("Range", bad);
            using var refused = await _node.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }
    }

    [Fact]
    public async Task Corruption_reports_are_accepted_for_held_shares_only()
    {
        var index = TestNode.RandomIndex();
        await AllocateAsync(index, [2], 10);
        await _node.Client.WriteAsync(index, 2, 0, new byte[10], _upload, CancellationToken.None);
        await _node.Client.ReportCorruptionAsync(index, 2, "block 7 did not match its hash", null, CancellationToken.None);
        var unknown = await Assert.ThrowsAsync<StorageException>(() => _node.Client.ReportCorruptionAsync(index, 3, "x", null, CancellationToken.None));
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
    }

    [Fact]
    public async Task Concurrent_writers_to_different_shares_all_land_intact()
    {
        var index = TestNode.RandomIndex();
        const int shares = 10;
        const int size = 200_000;
        var data = Enumerable.Range(0, shares).Select(s =>
        {
            var bytes = new byte[size];
            new Random(s).NextBytes(bytes);
            return bytes;
        }).ToArray();
        await AllocateAsync(index, [.. Enumerable.Range(0, shares)], size);

        // Every share written in 20 chunks, all chunks of all shares at once, in a shuffled order.
        var writes = Enumerable.Range(0, shares).SelectMany(s => Enumerable.Range(0, 20).Select(c => (Share: s, Chunk: c)))
            .OrderBy(_ => Random.Shared.Next()).ToList();
        await Parallel.ForEachAsync(writes, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (w, ct) =>
            await _node.Client.WriteAsync(index, w.Share, w.Chunk * 10_000L, data[w.Share].AsMemory(w.Chunk * 10_000, 10_000), _upload, ct));

        Assert.Equal(Enumerable.Range(0, shares), await _node.Client.ListSharesAsync(index, CancellationToken.None));
        for (var s = 0; s < shares; s++)
        {
            var back = new byte[size];
            await _node.Client.ReadAsync(index, s, 0, back, CancellationToken.None);
            Assert.Equal(data[s], back);
        }
    }

    [Fact]
    public async Task Allocation_checks_its_body()
    {
        foreach (var (body, status) in new[]
        {
            ("{\"share-numbers\":[],\"allocated-size\":10}", HttpStatusCode.BadRequest),
            ("{\"share-numbers\":[256],\"allocated-size\":10}", HttpStatusCode.BadRequest),
            ("{\"share-numbers\":[1],\"allocated-size\":0}", HttpStatusCode.BadRequest),
            ("{\"share-numbers\":[1],\"allocated-size\":10,\"surprise\":1}", HttpStatusCode.BadRequest),
            ("{\"share-numbers\":[1],\"allocated-size\":99999999999999999}", HttpStatusCode.RequestEntityTooLarge),
            ("[1,2,3]", HttpStatusCode.BadRequest),
            ("{not json", HttpStatusCode.BadRequest),
        })
        {
            var request = _node.Request(HttpMethod.Post, $"immutable/{TestNode.RandomIndex()}",
                (StorageProtocol.UploadSecret, _upload), (StorageProtocol.LeaseRenewSecret, _renew), (StorageProtocol.LeaseCancelSecret, _cancel));
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            using var response = await _node.SendAsync(request);
            Assert.True(status == response.StatusCode, $"{body} answered {response.StatusCode}");
            Assert.NotNull(await response.Content.ReadFromJsonAsync<ErrorBody>(StorageProtocol.Json));
        }
    }

    private HttpRequestMessage Patch(Core.Caps.StorageIndex index, int share, string range, byte[] body)
    {
        var request = _node.Request(HttpMethod.Patch, $"immutable/{index}/{share}", (StorageProtocol.UploadSecret, _upload));
        request.Content = new ByteArrayContent(body);
        if (range.Length > 0)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Range", range);
        }

        return request;
    }
}
