using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Granary.Client.Farming;
using Granary.Core.Proofs;
using Granary.Testing;

namespace Granary.Client.Tests.Farming;

/// <summary>dataserv-client's own fixture (128 KiB shards) through real files on disk.</summary>
public sealed class HeightStoreTests : IDisposable
{
    private static readonly JsonElement Fixture = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "proofs-of-storage-kat.json")))
        .RootElement.GetProperty("dataserv_height");

    private readonly TempDirectory _dir = new("granary-height");

    private static string Address => Fixture.GetProperty("fixture_address").GetString()!;

    private static long ShardSize => Fixture.GetProperty("fixture_shard_size").GetInt64();

    private static byte[] Challenge => Encoding.UTF8.GetBytes(Fixture.GetProperty("fixture_audit_challenge").GetString()!);

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_build_writes_the_fixture_shards_and_answers_the_fixture_audit(bool folderTree)
    {
        var store = new HeightStore(_dir.Path, Address, folderTree, ShardSize);
        var events = new List<HeightBuildProgress>();
        var result = await store.BuildAsync(2 * ShardSize, progress: new Recorder<HeightBuildProgress>(events));
        Assert.Equal(2, result.Height);
        Assert.Equal(2, result.ShardsWritten);
        Assert.Equal([1L, 2L], result.ReportedHeights);
        Assert.Equal(2 * ShardSize, events[^1].BytesWritten);
        Assert.Equal(2 * ShardSize, events[^1].BytesToWrite);

        foreach (var (seed, hash) in Fixture.GetProperty("fixture_generated_sha256").EnumerateObject().Select(p => (p.Name, p.Value.GetString())))
        {
            var path = Path.Combine(_dir.Path, HeightShards.RelativePath(seed, folderTree));
            Assert.Equal(hash, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(path))));
        }

        var audit = store.Audit(Challenge, store.LastShardPresent());
        Assert.Equal(Fixture.GetProperty("fixture_audit").EnumerateArray().Select(a => a.GetString()), audit.ShardAnswers);
        Assert.Equal(Fixture.GetProperty("fixture_full_audit").GetString(), audit.FullAudit);
    }

    [Fact]
    public async Task A_build_resumes_from_the_last_shard_present_and_repairs_it()
    {
        var store = new HeightStore(_dir.Path, Address, shardSize: ShardSize);
        await store.BuildAsync(5 * ShardSize);
        var expected = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(store.ShardPath(3))));

        // A crash in the middle of shard 3: shards 4 and 5 never written, 3 short.
        File.Delete(store.ShardPath(4));
        File.Delete(store.ShardPath(5));
        await using (var shard = new FileStream(store.ShardPath(3), FileMode.Open))
        {
            shard.SetLength(1000);
        }

        Assert.Equal(3, store.LastShardPresent());
        var resumed = await store.BuildAsync(5 * ShardSize);
        Assert.Equal(3, resumed.ShardsWritten);
        Assert.Equal([5L], resumed.ReportedHeights);
        Assert.Equal(expected, Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(store.ShardPath(3)))));
        Assert.Equal(5, store.LastShardPresent());
        Assert.Equal(5, (await store.BuildAsync(5 * ShardSize, rebuild: true)).ShardsWritten);
    }

    [Fact]
    public async Task A_farmer_that_deleted_or_altered_a_shard_cannot_answer()
    {
        var store = new HeightStore(_dir.Path, Address, shardSize: ShardSize);
        await store.BuildAsync(2 * ShardSize);
        var honest = store.Audit(Challenge, 2).FullAudit;

        await using (var shard = new FileStream(store.ShardPath(2), FileMode.Open))
        {
            shard.SetLength(ShardSize / 2);
            shard.SetLength(ShardSize);
        }

        Assert.NotEqual(honest, store.Audit(Challenge, 2).FullAudit);
        File.Delete(store.ShardPath(2));
        var e = Assert.Throws<FileNotFoundException>(() => store.Audit(Challenge, 2));
        Assert.Contains("shard 2 of 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_a_base58check_address_seeds_shards()
    {
        Assert.True(HeightStore.IsPayoutAddress(Address, out _));
        Assert.False(HeightStore.IsPayoutAddress("1FwSLAJtpLrSQp94damzWY2nK5cEBugZfD", out var error));
        Assert.Contains("1FwSLAJtpLrSQp94damzWY2nK5cEBugZfD", error, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new HeightStore(_dir.Path, "", shardSize: ShardSize));
        Assert.Equal(0, new HeightStore(_dir.Path, Address).LastShardPresent());
    }

    private sealed class Recorder<T>(List<T> events) : IProgress<T>
    {
        public void Report(T value) => events.Add(value);
    }
}
