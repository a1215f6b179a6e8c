using System.Net;
using Granary.Client.Storage;
using Granary.Core.Protocol;

namespace Granary.Storage.Tests;

public sealed class MutableSlotTests : IAsyncLifetime
{
    private readonly byte[] _enabler = Secrets.New();
    private readonly byte[] _renew = Secrets.New();
    private readonly byte[] _cancel = Secrets.New();
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync(o => o.MaximumMutableShareSize = 1 << 20);

    public async Task DisposeAsync() => await _node.DisposeAsync();

    private Task<ReadTestWriteResult> RtwAsync(Core.Caps.StorageIndex index, Dictionary<int, TestWriteVectors> vectors, ReadVector[]? reads = null, byte[]? enabler = null) =>
        _node.Client.ReadTestWriteAsync(index, vectors, reads ?? [], enabler ?? _enabler, _renew, _cancel, CancellationToken.None);

    private static TestWriteVectors Write(long offset, string text, IReadOnlyList<TestVector>? tests = null, long? newLength = null) =>
        new(tests ?? [], [new WriteVector(offset, System.Text.Encoding.ASCII.GetBytes(text))], newLength);

    [Fact]
    public async Task A_slot_is_created_read_back_and_changed_only_when_its_tests_pass()
    {
        var index = TestNode.RandomIndex();
        var created = await RtwAsync(index, new() { [0] = Write(0, "version one"), [4] = Write(0, "other share") });
        Assert.True(created.Success);
        Assert.Equal(new[] { 0, 4 }, await _node.Client.ListMutableSharesAsync(index, CancellationToken.None));

        var failed = await RtwAsync(index, new() { [0] = Write(0, "version two", [new TestVector(0, 7, "VERSION"u8.ToArray())]) }, [new ReadVector(0, 7)]);
        Assert.False(failed.Success);
        Assert.Equal("version", System.Text.Encoding.ASCII.GetString(failed.Data["0"][0]));
        Assert.Equal("other s", System.Text.Encoding.ASCII.GetString(failed.Data["4"][0]));

        var passed = await RtwAsync(index, new() { [0] = Write(8, "two", [new TestVector(0, 11, "version one"u8.ToArray())]) }, [new ReadVector(8, 3)]);
        Assert.True(passed.Success);
        Assert.Equal("one", System.Text.Encoding.ASCII.GetString(passed.Data["0"][0])); // read before the write

        var back = new byte[11];
        Assert.Equal(11, await _node.Client.ReadMutableAsync(index, 0, 0, back, CancellationToken.None));
        Assert.Equal("version two", System.Text.Encoding.ASCII.GetString(back));
    }

    [Fact]
    public async Task Only_the_write_enabler_that_created_a_slot_may_change_it()
    {
        var index = TestNode.RandomIndex();
        await RtwAsync(index, new() { [0] = Write(0, "mine") });
        var error = await Assert.ThrowsAsync<StorageException>(() => RtwAsync(index, new() { [0] = Write(0, "ours") }, enabler: Secrets.New()));
        Assert.Equal(HttpStatusCode.Unauthorized, error.Status);
    }

    [Fact]
    public async Task New_length_truncates_extends_and_zero_deletes()
    {
        var index = TestNode.RandomIndex();
        await RtwAsync(index, new() { [1] = Write(0, "0123456789") });
        await RtwAsync(index, new() { [1] = new TestWriteVectors([], [], 4) });
        var back = new byte[20];
        Assert.Equal(4, await _node.Client.ReadMutableAsync(index, 1, 0, back, CancellationToken.None));
        await RtwAsync(index, new() { [1] = Write(6, "xy") });
        Assert.Equal(8, await _node.Client.ReadMutableAsync(index, 1, 0, back, CancellationToken.None));
        Assert.Equal("0123\0\0xy", System.Text.Encoding.ASCII.GetString(back, 0, 8));
        await RtwAsync(index, new() { [1] = new TestWriteVectors([], [], 0) });
        Assert.Empty(await _node.Client.ListMutableSharesAsync(index, CancellationToken.None));
    }

    [Fact]
    public async Task A_test_with_an_empty_specimen_means_the_share_must_not_exist()
    {
        var index = TestNode.RandomIndex();
        var mustBeNew = new TestVector(0, 1, []);
        Assert.True((await RtwAsync(index, new() { [0] = Write(0, "first", [mustBeNew]) })).Success);
        Assert.False((await RtwAsync(index, new() { [0] = Write(0, "second", [mustBeNew]) })).Success);
        var back = new byte[5];
        await _node.Client.ReadMutableAsync(index, 0, 0, back, CancellationToken.None);
        Assert.Equal("first", System.Text.Encoding.ASCII.GetString(back));
    }

    [Fact]
    public async Task A_small_write_to_a_large_share_goes_in_place()
    {
        var index = TestNode.RandomIndex();
        var chunk = new byte[256 << 10];
        new Random(5).NextBytes(chunk);
        for (var i = 0; i < 3; i++)
        {
            Assert.True((await RtwAsync(index, new() { [2] = new TestWriteVectors([], [new WriteVector(i * (long)chunk.Length, chunk)]) })).Success);
        }

        var path = Directory.GetFiles(_node.Path, "2", SearchOption.AllDirectories).Single(f => f.Contains("mutable", StringComparison.Ordinal));
        // A handle opened before the write sees the change only if the file was changed in place, not replaced.
        using var before = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var result = await RtwAsync(index, new() { [2] = new TestWriteVectors([new TestVector(0, 4, chunk[..4])], [new WriteVector(300_000, "patch"u8.ToArray())]) }, [new ReadVector(299_998, 9)]);
        Assert.True(result.Success);
        Assert.Equal(chunk.AsSpan(299_998 - chunk.Length, 9).ToArray(), result.Data["2"][0]);
        var back = new byte[9];
        await _node.Client.ReadMutableAsync(index, 2, 299_998, back, CancellationToken.None);
        Assert.Equal("patch", System.Text.Encoding.ASCII.GetString(back, 2, 5));
        Assert.Equal(3L * chunk.Length, new FileInfo(path).Length);
        var seen = new byte[5];
        RandomAccess.Read(before, seen, 300_000);
        Assert.Equal("patch", System.Text.Encoding.ASCII.GetString(seen));
    }

    [Fact]
    public async Task A_mutable_share_cannot_outgrow_the_limit()
    {
        var error = await Assert.ThrowsAsync<StorageException>(() =>
            RtwAsync(TestNode.RandomIndex(), new() { [0] = new TestWriteVectors([], [new WriteVector(2 << 20, [1])]) }));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, error.Status);
    }

    [Theory]
    [InlineData("{\"test-write-vectors\":{\"300\":{\"test\":[],\"write\":[]}},\"read-vector\":[]}")]
    [InlineData("{\"test-write-vectors\":{\"0\":{\"test\":[{\"offset\":-1,\"size\":1,\"specimen\":\"AA==\"}],\"write\":[]}},\"read-vector\":[]}")]
    [InlineData("{\"test-write-vectors\":{\"0\":{\"test\":[{\"offset\":0,\"size\":0,\"specimen\":\"AA==\"}],\"write\":[]}},\"read-vector\":[]}")]
    [InlineData("{\"test-write-vectors\":{\"0\":{\"write\":[]}},\"read-vector\":[]}")]
    [InlineData("{\"test-write-vectors\":{},\"read-vector\":[{\"offset\":0,\"size\":-4}]}")]
    [InlineData("{\"test-write-vectors\":{\"0\":{\"test\":[],\"write\":[{\"offset\":0,\"data\":\"not base64!\"}]}},\"read-vector\":[]}")]
    public async Task Malformed_vectors_are_rejected(string body)
    {
        var request = _node.Request(HttpMethod.Post, $"mutable/{TestNode.RandomIndex()}/read-test-write",
            (StorageProtocol.WriteEnabler, _enabler), (StorageProtocol.LeaseRenewSecret, _renew), (StorageProtocol.LeaseCancelSecret, _cancel));
        request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        using var response = await _node.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
