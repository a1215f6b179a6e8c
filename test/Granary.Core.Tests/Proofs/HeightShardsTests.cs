using System.Globalization;
using System.Security.Cryptography;
using Granary.Core.Proofs;

namespace Granary.Core.Tests.Proofs;

public sealed class HeightShardsTests
{
    private static readonly System.Text.Json.JsonElement Height = ProofVectors.Proofs.GetProperty("dataserv_height");

    [Fact]
    public void Seeds_chain_from_the_payout_address()
    {
        var dataserv = ProofVectors.Dataserv;
        var seeds = HeightShards.Seeds(dataserv.Text("builder_address"), 4);
        Assert.Equal(dataserv.GetProperty("builder_seeds_0_to_3").EnumerateArray().Select(s => s.GetString()), seeds);
        Assert.Equal(Height.GetProperty("seeds_0_to_2").EnumerateArray().Select(s => s.GetString()), seeds[..3]);
        Assert.Equal(seeds[1], HeightShards.NextSeed(seeds[0]));
    }

    [Fact]
    public void Shard_paths_are_flat_or_a_folder_tree_of_three_character_pieces()
    {
        var seed = HeightShards.FirstSeed(ProofVectors.Dataserv.Text("builder_address"));
        Assert.Equal(Height.Text("flat_path_shard1"), "STORE/" + HeightShards.RelativePath(seed, folderTree: false));
        Assert.Equal(Height.Text("folder_tree_path_shard1"), "STORE/" + HeightShards.RelativePath(seed, folderTree: true));
    }

    [Fact]
    public void Target_heights_and_the_report_schedule_match_dataserv_client()
    {
        foreach (var example in Height.GetProperty("target_height_examples").EnumerateObject())
        {
            Assert.Equal(example.Value.GetInt64(), HeightShards.TargetHeight(long.Parse(example.Name, CultureInfo.InvariantCulture)));
        }

        var reports = Enumerable.Range(1, 60).Where(h => HeightShards.IsReportedHeight(h, 60)).Select(h => (long)h);
        Assert.Equal(Height.GetProperty("height_reports_for_max_size_60_shards").EnumerateArray().Select(h => h.GetInt64()), reports);
    }

    [Fact]
    public void The_upstream_audit_fixture_is_reproduced()
    {
        var shardSize = Height.GetProperty("fixture_shard_size").GetInt32();
        var seeds = HeightShards.Seeds(Height.Text("fixture_address"), 2);
        var challenge = System.Text.Encoding.UTF8.GetBytes(Height.Text("fixture_audit_challenge"));
        var answers = new List<string>();
        foreach (var seed in seeds)
        {
            var shard = new byte[shardSize];
            using (var random = new RandomIo(seed))
            {
                random.Read(0, shard);
            }

            Assert.Equal(Height.GetProperty("fixture_generated_sha256").GetProperty(seed).GetString(), Hex.Of(SHA256.HashData(shard)));
            using var file = new MemoryStream(shard, writable: false);
            answers.Add(HeightShards.AuditShard(file, challenge));
        }

        Assert.Equal(Height.GetProperty("fixture_audit").EnumerateArray().Select(a => a.GetString()), answers);
        Assert.Equal(Height.Text("fixture_full_audit"), HeightShards.FullAudit(answers));
    }
}
