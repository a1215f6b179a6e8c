using Granary.Core.Caps;
using Granary.Core.Mutable;
using Granary.Testing;
using Granary.Testing.Vectors;

namespace Granary.Cli.Tests;

public sealed class MutableCapCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new("granary-cap-mutable");

    public void Dispose() => _dir.Dispose();

    public static TheoryData<int> VectorIndexes => MutableSample.Indexes(MutableSample.CapVectors.Count);

    [Theory]
    [MemberData(nameof(VectorIndexes))]
    public async Task Cap_mutable_prints_Tahoes_caps_for_every_sample_key(int index)
    {
        var vector = MutableSample.CapVectors[index];
        var key = _dir.File($"key{index}.pem");
        await File.WriteAllTextAsync(key, vector.KeyPem);
        var format = vector.Format == MutableFormat.Sdmf ? "sdmf" : "mdmf";
        var (exit, output, error) = await Cli.RunAsync("cap", "--mutable", "--rsa-key", key, "--format", format);
        Assert.True(exit == 0, error);
        var lines = output.Trim().Split('\n');
        Assert.Equal(vector.Expected, lines[0]);
        var write = (MutableWriteCap)Cap.Parse(lines[0]);
        Assert.Equal(write.ReadCap.ToString(), lines[1]);
        Assert.Equal(write.VerifyCap.ToString(), lines[2]);
        Assert.Equal(write.StorageIndex.ToString(), lines[3]);

        var (_, directoryOutput, _) = await Cli.RunAsync("cap", "--mutable", "--rsa-key", key, "--format", format, "--directory");
        Assert.Equal(new DirectoryCap(write).ToString(), directoryOutput.Trim().Split('\n')[0]);
    }

    [Fact]
    public async Task Cap_mutable_without_a_key_is_a_usage_error()
    {
        var (exit, _, error) = await Cli.RunAsync("cap", "--mutable");
        Assert.Equal(2, exit);
        Assert.Contains("--rsa-key", error, StringComparison.Ordinal);
    }
}
