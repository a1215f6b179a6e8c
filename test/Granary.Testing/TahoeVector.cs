using System.Text.RegularExpressions;
using Xunit;

namespace Granary.Testing;

/// <summary>One `kind: chk` entry of Tahoe-LAFS's published test vectors.</summary>
public sealed record TahoeVector(byte[] Convergence, string Expected, int Length, byte[] Seed, int K, int N, int MaxSegmentSize)
{
    /// <summary>The 24-vector sample the project started from.</summary>
    public static string SamplePath => Path.Combine(AppContext.BaseDirectory, "Vectors", "tahoe-chk-sample.yaml");

    /// <summary>All 120 CHK vectors of Tahoe-LAFS's published file.</summary>
    public static string AllPath => Path.Combine(AppContext.BaseDirectory, "Vectors", "tahoe-chk-all.yaml");

    /// <summary>The sample plaintext: the seed repeated and cut to the length.</summary>
    public byte[] Plaintext()
    {
        var data = new byte[Length];
        for (var i = 0; i < Length; i++)
        {
            data[i] = Seed[i % Seed.Length];
        }

        return data;
    }

    public override string ToString() => $"{K}-of-{N}, {Length} bytes";

    // The file is simple and fixed, so a regex per entry is all the YAML this needs.
    public static IReadOnlyList<TahoeVector> Load() => Load(SamplePath);

    public static IReadOnlyList<TahoeVector> Load(string path)
    {
        var text = File.ReadAllText(path);
        var entries = text.Split("\n- ", StringSplitOptions.None).Skip(1);
        return entries.Select(entry =>
        {
            string Field(string name) => Regex.Match(entry, $@"(?m)^\s*{name}:\s*(\S+)\s*$").Groups[1].Value;
            return new TahoeVector(
                Convert.FromBase64String(Field("convergence")),
                Field("expected"),
                int.Parse(Field("length"), System.Globalization.CultureInfo.InvariantCulture),
                Convert.FromBase64String(Field("seed")),
                int.Parse(Field("required"), System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(Field("total"), System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(Field("segmentSize"), System.Globalization.CultureInfo.InvariantCulture));
        }).ToList();
    }

    public static TheoryData<int> Indexes() => IndexesOf(SamplePath);

    public static TheoryData<int> AllIndexes() => IndexesOf(AllPath);

    private static TheoryData<int> IndexesOf(string path)
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Load(path).Count; i++)
        {
            data.Add(i);
        }

        return data;
    }
}
