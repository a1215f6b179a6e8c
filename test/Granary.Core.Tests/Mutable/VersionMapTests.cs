using Granary.Core.Mutable;

namespace Granary.Core.Tests.Mutable;

public class VersionMapTests
{
    private static readonly Granary.Core.Caps.MutableWriteCap Cap = ShareTesting.CapOf(ShareTesting.Key, MutableFormat.Mdmf);

    private static MutableEncodedVersion Publish(ulong seqnum, int size = 100, int k = 3, int n = 10) =>
        MutableShareEncoder.EncodeFile(ShareTesting.Key, Cap, new byte[size], k, n, seqnum);

    [Fact]
    public void The_best_version_is_the_recoverable_one_with_the_highest_seqnum()
    {
        var one = Publish(1);
        var two = Publish(2);
        var three = Publish(3);
        var map = new MutableVersionMap<string>();
        for (var j = 0; j < 10; j++)
        {
            map.Add($"server{j}", j, j < 5 ? one.Version : two.Version);
        }

        map.Add("server0", 0, three.Version);
        map.Add("server1", 1, three.Version);

        Assert.Equal(two.Version, map.BestRecoverableVersion);
        Assert.Equal(3UL, map.HighestSeqnum);
        Assert.Equal(4UL, map.NextSeqnum);
        Assert.True(map.HasNewerUnrecoverableVersion);
        Assert.False(map.NeedsMerge);
        Assert.Equal([two.Version, one.Version], map.RecoverableVersions);
        Assert.Equal(5, map.DistinctShareCount(two.Version));
        Assert.False(map.IsRecoverable(three.Version));
    }

    [Fact]
    public void Equal_seqnums_are_settled_by_the_larger_root_hash_and_flag_a_merge()
    {
        var a = Publish(5);
        var b = Publish(5);
        var map = new MutableVersionMap<int>();
        for (var j = 0; j < 3; j++)
        {
            map.Add(j, j, a.Version);
            map.Add(j, j + 3, b.Version);
        }

        var larger = a.Version.RootHash.SequenceCompareTo(b.Version.RootHash) > 0 ? a.Version : b.Version;
        Assert.Equal(larger, map.BestRecoverableVersion);
        Assert.True(map.NeedsMerge);
        Assert.True(a.Version > b.Version == (larger == a.Version));
    }

    [Fact]
    public void Shares_of_one_version_have_equal_headers_and_copies_on_two_servers_count_once()
    {
        var one = Publish(1);
        var parsed = ShareTesting.Parse(one.Shares);
        Assert.All(parsed, share => Assert.Equal(one.Version, share.Version));
        Assert.Equal(one.Version.GetHashCode(), parsed[9].Version.GetHashCode());

        var map = new MutableVersionMap<string>();
        map.Add("a", 0, one.Version);
        map.Add("b", 0, one.Version);
        map.Add("b", 1, one.Version);
        map.Add("b", 1, one.Version);
        Assert.Equal(2, map.DistinctShareCount(one.Version));
        Assert.Equal(3, map.SharesOf(one.Version).Count);
        Assert.Null(map.BestRecoverableVersion);

        Assert.True(map.Remove("b", 1, one.Version));
        Assert.Equal(1, map.DistinctShareCount(one.Version));
    }

    [Fact]
    public void A_new_file_starts_at_seqnum_1()
    {
        Assert.Equal(1UL, new MutableVersionMap<string>().NextSeqnum);
        Assert.Null(new MutableVersionMap<string>().BestRecoverableVersion);
    }

    [Fact]
    public void A_version_differing_only_in_its_offsets_is_another_version()
    {
        var version = Publish(1).Version;
        var header = version.Header.ToArray();
        header[^1] ^= 1;
        Assert.NotEqual(version, MutableVersion.Parse(header));
        Assert.True(version.Checkstring.SequenceEqual(MutableVersion.Parse(header).Checkstring));
    }
}
