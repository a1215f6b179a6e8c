using Granary.Core.Identity;

namespace Granary.Core.Tests.Identity;

public class ExtendedKeyTests
{
    private sealed record Step(string Seed, string Path, string Xpub, string Xprv);

    private static List<Step> Steps()
    {
        var steps = new List<Step>();
        var seed = "";
        foreach (var line in File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Vectors", "bip32-vectors.txt")))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || parts[0].StartsWith('#'))
            {
                continue;
            }

            if (parts[0] == "seed")
            {
                seed = parts[1];
            }
            else
            {
                steps.Add(new Step(seed, parts[0], parts[1], parts[2]));
            }
        }

        return steps;
    }

    public static TheoryData<int> StepIndexes()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Steps().Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    [Fact]
    public void The_file_holds_all_three_vectors()
    {
        Assert.Equal(3, Steps().Select(s => s.Seed).Distinct().Count());
        Assert.Equal(14, Steps().Count); // 6 + 6 + 2 chain steps
    }

    [Theory]
    [MemberData(nameof(StepIndexes))]
    public void Private_derivation_from_the_seed_gives_every_published_key(int index)
    {
        var step = Steps()[index];
        var key = ExtendedKey.FromSeed(Convert.FromHexString(step.Seed)).Derive(step.Path);
        Assert.Equal(step.Xprv, key.Serialize());
        Assert.Equal(step.Xpub, key.Neuter().Serialize());
    }

    [Theory]
    [MemberData(nameof(StepIndexes))]
    public void Public_derivation_from_the_parent_xpub_matches_for_every_non_hardened_step(int index)
    {
        var step = Steps()[index];
        var last = step.Path.Split('/')[^1];
        if (step.Path == "m" || last.EndsWith('H'))
        {
            return; // master or hardened: only the private route exists
        }

        var parentPath = step.Path[..step.Path.LastIndexOf('/')];
        var parent = Steps().Single(s => s.Seed == step.Seed && s.Path == parentPath);
        var child = ExtendedKey.Parse(parent.Xpub).Derive(uint.Parse(last, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(step.Xpub, child.Serialize());
        Assert.False(child.IsPrivate);
    }

    [Theory]
    [MemberData(nameof(StepIndexes))]
    public void Published_keys_parse_and_serialize_back(int index)
    {
        var step = Steps()[index];
        Assert.Equal(step.Xprv, ExtendedKey.Parse(step.Xprv).Serialize());
        Assert.Equal(step.Xpub, ExtendedKey.Parse(step.Xpub).Serialize());
        Assert.Equal(ExtendedKey.Parse(step.Xprv).PublicKey, ExtendedKey.Parse(step.Xpub).PublicKey);
    }

    [Fact]
    public void A_public_key_cannot_derive_a_hardened_child()
    {
        var xpub = ExtendedKey.Parse(Steps()[0].Xpub);
        Assert.Throws<InvalidOperationException>(() => xpub.Derive(ExtendedKey.HardenedOffset));
        Assert.Throws<InvalidOperationException>(() => _ = xpub.PrivateKey);
    }

    [Theory]
    [InlineData("xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHj", "checksum")]
    [InlineData("16873MvVo6D4gTuFj42h2X9k92DsbNAgvC", "holds 21 bytes")]
    [InlineData("xprv0000", "not a base58 character")]
    public void Malformed_extended_keys_are_rejected_with_the_reason(string text, string reason)
    {
        Assert.False(ExtendedKey.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0/1")]
    [InlineData("m/x")]
    [InlineData("m/2147483648")]
    public void Malformed_paths_are_rejected(string path)
    {
        Assert.Throws<FormatException>(() => ExtendedKey.FromSeed(new byte[16]).Derive(path));
    }

    [Fact]
    public void An_extended_key_never_shows_its_secret()
    {
        var step = Steps()[0];
        var key = ExtendedKey.Parse(step.Xprv);
        Assert.DoesNotContain("xprv", key.ToString(), StringComparison.Ordinal);
        Assert.Contains(step.Xpub, key.ToString(), StringComparison.Ordinal);
    }
}
