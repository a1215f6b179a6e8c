using System.Net;
using Granary.Client.Storage;
using Granary.Core.Caps;
using Granary.Core.Chk;
using Granary.Core.Protocol;
using Granary.Testing;

namespace Granary.Storage.Tests;

/// <summary>
/// What lets a client recover from its own failures and from the node's: joining an upload a killed
/// client left, giving space back, refusing ranges that overflow, and replacing a share the node
/// itself confirms is corrupt.
/// </summary>
public sealed class UploadRecoveryTests : IAsyncLifetime
{
    private const int DiskErrorEvent = 1402;
    private readonly byte[] _renew = Secrets.New();
    private readonly byte[] _cancel = Secrets.New();
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync();

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private Task<AllocateResult> AllocateAsync(StorageIndex index, int[] shares, long size, byte[] upload) =>
        _node.Client.AllocateAsync(index, shares, size, upload, _renew, _cancel, CancellationToken.None);

    private async Task<long> AvailableAsync() => (await _node.Client.GetVersionAsync(CancellationToken.None)).AvailableSpace;

    private string Bucket(StorageIndex index) => Path.Combine(_node.Path, "shares", index.ToString()[..2], index.ToString());

    [Fact]
    public async Task A_second_upload_secret_joins_an_upload_in_progress_and_either_may_finish_it()
    {
        var index = TestNode.RandomIndex();
        var (killed, again) = (Secrets.New(), Secrets.New());
        var data = new byte[1000];
        new Random(7).NextBytes(data);
        var before = await AvailableAsync();
        Assert.Equal(new[] { 0 }, (await AllocateAsync(index, [0], data.Length, killed)).Allocated);
        await _node.Client.WriteAsync(index, 0, 0, data.AsMemory(0, 400), killed, CancellationToken.None);

        // The first client is gone; a new one with its own secret allocates the same share.
        var joined = await AllocateAsync(index, [0], data.Length, again);
        Assert.Equal(new[] { 0 }, joined.Allocated);
        Assert.Equal(before - data.Length, await AvailableAsync());

        // Bytes already written may be written again only with the same values.
        var conflict = await Assert.ThrowsAsync<StorageException>(() => _node.Client.WriteAsync(index, 0, 0, new byte[400], again, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Conflict, conflict.Status);
        var done = await _node.Client.WriteAsync(index, 0, 0, data, again, CancellationToken.None);
        Assert.Empty(done.Required);

        var back = new byte[data.Length];
        Assert.Equal(data.Length, await _node.Client.ReadAsync(index, 0, 0, back, CancellationToken.None));
        Assert.Equal(data, back);
        Assert.Equal(before - data.Length, await AvailableAsync());
    }

    [Fact]
    public async Task An_allocation_of_another_size_does_not_join_and_a_stranger_cannot_write()
    {
        var index = TestNode.RandomIndex();
        var (first, other) = (Secrets.New(), Secrets.New());
        await AllocateAsync(index, [0], 100, first);
        var refused = await AllocateAsync(index, [0], 120, other);
        Assert.Empty(refused.Allocated);
        Assert.Empty(refused.AlreadyHave);

        var stranger = await Assert.ThrowsAsync<StorageException>(() => _node.Client.WriteAsync(index, 0, 0, new byte[10], other, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, stranger.Status);
    }

    [Fact]
    public async Task Aborting_withdraws_one_secret_and_the_last_abort_frees_the_space_and_the_bucket()
    {
        var index = TestNode.RandomIndex();
        var (first, second) = (Secrets.New(), Secrets.New());
        var before = await AvailableAsync();
        await AllocateAsync(index, [0, 1], 500, first);
        await AllocateAsync(index, [0], 500, second);
        Assert.True(File.Exists(Path.Combine(Bucket(index), "leases")));

        await _node.Client.AbortAsync(index, 0, first, CancellationToken.None);
        await _node.Client.WriteAsync(index, 0, 0, new byte[100], second, CancellationToken.None);
        Assert.Equal(before - 1000, await AvailableAsync());

        await _node.Client.AbortAsync(index, 0, second, CancellationToken.None);
        await _node.Client.AbortAsync(index, 1, first, CancellationToken.None);
        Assert.Equal(before, await AvailableAsync());
        Assert.False(Directory.Exists(Bucket(index)), "a bucket with no share and no upload is removed with its lease");
    }

    [Fact]
    public async Task Buckets_left_holding_only_a_lease_are_removed_at_start_up()
    {
        var index = TestNode.RandomIndex();
        await AllocateAsync(index, [4], 100, Secrets.New());
        Assert.True(File.Exists(Path.Combine(Bucket(index), "leases")));

        await _node.RestartAsync();
        Assert.False(Directory.Exists(Bucket(index)));
        Assert.Contains(_node.Log.Entries, e => e.EventId == 1004);
    }

    [Theory]
    [InlineData("bytes 9223372036854775807-9223372036854775807/*", HttpStatusCode.RequestedRangeNotSatisfiable)]
    [InlineData("bytes 9223372036854775800-9223372036854775806/*", HttpStatusCode.RequestedRangeNotSatisfiable)]
    [InlineData("bytes 0-9223372036854775807/*", HttpStatusCode.RequestEntityTooLarge)]
    [InlineData("bytes 95-104/*", HttpStatusCode.RequestedRangeNotSatisfiable)]
    public async Task Ranges_that_overflow_or_run_past_the_share_are_refused_without_a_disk_error(string range, HttpStatusCode expected)
    {
        var index = TestNode.RandomIndex();
        var upload = Secrets.New();
        await AllocateAsync(index, [0], 100, upload);
        var length = range.Contains("9223372036854775800", StringComparison.Ordinal) ? 7 : range.StartsWith("bytes 95", StringComparison.Ordinal) ? 10 : 1;
        var request = _node.Request(HttpMethod.Patch, $"immutable/{index}/0", (StorageProtocol.UploadSecret, upload));
        request.Content = new ByteArrayContent(new byte[length]);
        request.Content.Headers.TryAddWithoutValidation("Content-Range", range);
        using var response = await _node.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
        Assert.DoesNotContain(_node.Log.Entries, e => e.EventId == DiskErrorEvent);
    }

    [Fact]
    public async Task A_read_range_past_the_end_answers_416_naming_the_length()
    {
        var index = TestNode.RandomIndex();
        var upload = Secrets.New();
        await AllocateAsync(index, [0], 10, upload);
        await _node.Client.WriteAsync(index, 0, 0, new byte[10], upload, CancellationToken.None);
        var request = _node.Request(HttpMethod.Get, $"immutable/{index}/0");
        request.Headers.TryAddWithoutValidation("Range", "bytes=9223372036854775806-9223372036854775807");
        using var response = await _node.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal("bytes */10", response.Content.Headers.ContentRange?.ToString());
    }

    [Fact]
    public async Task A_mutable_write_whose_end_would_overflow_is_refused()
    {
        var index = TestNode.RandomIndex();
        var vectors = new Dictionary<int, TestWriteVectors> { [0] = new([], [new WriteVector(long.MaxValue - 2, new byte[5])]) };
        var refused = await Assert.ThrowsAsync<StorageException>(() =>
            _node.Client.ReadTestWriteAsync(index, vectors, [], Secrets.New(), _renew, _cancel, CancellationToken.None));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.Status);
        Assert.Empty(await _node.Client.ListMutableSharesAsync(index, CancellationToken.None));
    }

    [Fact]
    public async Task A_corruption_report_about_a_sound_share_changes_nothing()
    {
        var (file, index, shares) = await StoreFileAsync();
        var finding = await _node.Client.ReportCorruptionAsync(index, 1, "block 2 does not match its hash", [2], CancellationToken.None);
        Assert.False(finding.Confirmed);
        var whole = await _node.Client.ReportCorruptionAsync(index, 1, "everything is wrong", null, CancellationToken.None);
        Assert.False(whole.Confirmed);

        // Still held, and a new allocation of it is "already have".
        Assert.Equal(new[] { 1 }, (await AllocateAsync(index, [1], file.Encoding.ShareSize, Secrets.New())).AlreadyHave);
        Assert.Equal(shares[1], await ReadAllAsync(index, 1, shares[1].Length));
    }

    [Fact]
    public async Task A_share_the_node_confirms_corrupt_stays_readable_until_an_upload_replaces_it()
    {
        var (file, index, shares) = await StoreFileAsync();
        var available = await AvailableAsync();
        var header = file.Encoding.Header;
        var path = Path.Combine(Bucket(index), "1");
        var flipped = (byte[])shares[1].Clone();
        flipped[header.BlockOffset(2) + 3] ^= 0x40;
        await File.WriteAllBytesAsync(path, flipped);

        var finding = await _node.Client.ReportCorruptionAsync(index, 1, "block 2 does not match its hash", [2], CancellationToken.None);
        Assert.True(finding.Confirmed);
        Assert.Contains("block 2", finding.Finding, StringComparison.Ordinal);
        Assert.Equal(flipped, await ReadAllAsync(index, 1, flipped.Length));
        Assert.Equal(new[] { 0, 1, 2 }, await _node.Client.ListSharesAsync(index, CancellationToken.None));

        var upload = Secrets.New();
        Assert.Equal(new[] { 1 }, (await AllocateAsync(index, [1], shares[1].Length, upload)).Allocated);
        Assert.Empty((await _node.Client.WriteAsync(index, 1, 0, shares[1], upload, CancellationToken.None)).Required);
        Assert.Equal(shares[1], await ReadAllAsync(index, 1, shares[1].Length));
        Assert.Equal(available, await AvailableAsync());
        Assert.Equal(new[] { 1 }, (await AllocateAsync(index, [1], shares[1].Length, Secrets.New())).AlreadyHave);
        Assert.Empty(Directory.GetFiles(Bucket(index), "*.corrupt"));
    }

    [Fact]
    public async Task The_node_confirms_damage_to_the_hashes_or_the_length_on_its_own()
    {
        var (file, index, shares) = await StoreFileAsync();
        var header = file.Encoding.Header;
        var cases = new (string What, byte[] Bytes)[]
        {
            ("unused region", Flip(shares[2], header.PlaintextHashTreeOffset)),
            ("block hash tree", Flip(shares[2], header.BlockHashesOffset + 5)),
            ("crypttext hash tree", Flip(shares[2], header.CrypttextHashTreeOffset + 40)),
            ("share hashes", Flip(shares[2], header.ShareHashesOffset + 10)),
            ("header", Flip(shares[2], 0x10)),
            ("appended byte", [.. shares[2], 0]),
            ("truncated", shares[2][..^1]),
        };
        foreach (var (what, bytes) in cases)
        {
            await File.WriteAllBytesAsync(Path.Combine(Bucket(index), "2"), bytes);
            var finding = await _node.Client.ReportCorruptionAsync(index, 2, what, null, CancellationToken.None);
            Assert.True(finding.Confirmed, $"{what}: {finding.Finding}");
        }
    }

    [Fact]
    public async Task What_a_client_sends_is_escaped_before_it_is_logged()
    {
        var (_, index, _) = await StoreFileAsync();
        await _node.Client.ReportCorruptionAsync(index, 0, "bad\u001b[31m red\nforged line\u202e", null, CancellationToken.None);
        var reported = _node.Log.Entries.Single(e => e.EventId == 1201).Message;
        Assert.DoesNotContain('\u001b', reported);
        Assert.DoesNotContain('\n', reported);
        Assert.DoesNotContain('\u202e', reported);
        Assert.Contains(@"bad\x1b[31m red\x0aforged line\u{202e}", reported, StringComparison.Ordinal);
    }

    private static byte[] Flip(byte[] share, long offset)
    {
        var copy = (byte[])share.Clone();
        copy[offset] ^= 0x01;
        return copy;
    }

    private async Task<(EncodedFile File, StorageIndex Index, byte[][] Shares)> StoreFileAsync()
    {
        var plaintext = new byte[3000];
        new Random(11).NextBytes(plaintext);
        var file = await EncodedFile.CreateAsync(plaintext, new EncodingParameters(3, 10, 999), Secrets.New());
        var index = file.Encoding.StorageIndex;
        var upload = Secrets.New();
        await AllocateAsync(index, [0, 1, 2], file.Encoding.ShareSize, upload);
        foreach (var share in new[] { 0, 1, 2 })
        {
            Assert.Empty((await _node.Client.WriteAsync(index, share, 0, file.Shares[share], upload, CancellationToken.None)).Required);
        }

        return (file, index, file.Shares);
    }

    private async Task<byte[]> ReadAllAsync(StorageIndex index, int share, int length)
    {
        var bytes = new byte[length + 1];
        var read = await _node.Client.ReadAsync(index, share, 0, bytes, CancellationToken.None);
        return bytes[..read];
    }
}
