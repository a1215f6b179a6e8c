using Granary.Testing;

namespace Granary.Cli.Tests;

public sealed class CapCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new("granary-cap");

    public void Dispose() => _dir.Dispose();

    private string WriteFile(byte[] contents, string name = "input.bin")
    {
        var path = _dir.File(name);
        File.WriteAllBytes(path, contents);
        return path;
    }

    [Theory]
    [MemberData(nameof(TahoeVector.Indexes), MemberType = typeof(TahoeVector))]
    public async Task Prints_the_cap_Tahoe_LAFS_produced_for_every_sample_vector(int index)
    {
        var vector = TahoeVector.Load()[index];
        var path = WriteFile(vector.Plaintext());
        var (exit, output, error) = await Cli.RunAsync(
            "cap", path, "-k", $"{vector.K}", "-n", $"{vector.N}", "--segment-size", $"{vector.MaxSegmentSize}",
            "--convergence-secret", Convert.ToBase64String(vector.Convergence));
        Assert.True(exit == 0, error);
        Assert.Equal(vector.Expected + "\n", output.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task A_convergence_file_in_base32_gives_the_same_cap_as_the_base64_secret()
    {
        var path = WriteFile(Enumerable.Repeat((byte)'a', 56).ToArray());
        var secretFile = _dir.File("convergence");
        File.WriteAllText(secretFile, "mfqwcylbmfqwcylbmfqwcylbme\n");
        var (exit, output, _) = await Cli.RunAsync("cap", path, "--convergence-file", secretFile, "--segment-size", "128KiB");
        Assert.Equal(0, exit);
        Assert.Equal("URI:CHK:hah7mxwfpqemm7icdh3hwsa5fa:6epvxt2uxh42obpnfn4wkrplqml7voh7aqpnqnapu7ffcyn2hk3q:3:10:56", output.Trim());
    }

    [Fact]
    public async Task Verify_cap_and_storage_index_follow_the_read_cap_on_their_own_lines()
    {
        var path = WriteFile(Enumerable.Repeat((byte)'a', 56).ToArray());
        var (exit, output, _) = await Cli.RunAsync(
            "cap", path, "--convergence-secret", "YWFhYWFhYWFhYWFhYWFhYQ==", "--verify-cap", "--storage-index");
        Assert.Equal(0, exit);
        Assert.Equal(
            [
                "URI:CHK:hah7mxwfpqemm7icdh3hwsa5fa:6epvxt2uxh42obpnfn4wkrplqml7voh7aqpnqnapu7ffcyn2hk3q:3:10:56",
                "URI:CHK-Verifier:5mwuz5yxisqrnhtrsljs7wkyb4:6epvxt2uxh42obpnfn4wkrplqml7voh7aqpnqnapu7ffcyn2hk3q:3:10:56",
                "5mwuz5yxisqrnhtrsljs7wkyb4",
            ],
            output.Trim().Split('\n'));
    }

    [Fact]
    public async Task A_small_file_prints_its_literal_cap()
    {
        var path = WriteFile("hello"u8.ToArray());
        var (exit, output, error) = await Cli.RunAsync("cap", path, "--convergence-secret", "YQ==", "--storage-index");
        Assert.Equal(0, exit);
        Assert.Equal("URI:LIT:nbswy3dp", output.Trim());
        Assert.Contains("no verify cap or storage index", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("exactly one of --convergence-secret")]
    [InlineData("exactly one of --convergence-secret", "--convergence-secret", "YQ==", "--convergence-file", "x")]
    [InlineData("not valid base64", "--convergence-secret", "!!!")]
    [InlineData("k (11) cannot exceed n (10)", "--convergence-secret", "YQ==", "-k", "11")]
    [InlineData("between 1 and 256", "--convergence-secret", "YQ==", "-k", "0")]
    [InlineData("between 1 and 256", "--convergence-secret", "YQ==", "-n", "257")]
    [InlineData("not a size", "--convergence-secret", "YQ==", "--segment-size", "lots")]
    [InlineData("between 1 byte and 1 GiB", "--convergence-secret", "YQ==", "--segment-size", "0")]
    [InlineData("Cannot parse argument 'x'", "--convergence-secret", "YQ==", "-k", "x")]
    [InlineData("unknown option '--frobnicate'", "--convergence-secret", "YQ==", "--frobnicate")]
    [InlineData("does not exist", "--convergence-file", "/nonexistent/secret")]
    public async Task Bad_arguments_give_one_line_and_exit_code_2(string reason, params string[] rest)
    {
        var path = WriteFile(new byte[100]);
        var (exit, output, error) = await Cli.RunAsync(["cap", path, .. rest]);
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Single(error.Trim().Split('\n'));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_file_is_a_usage_error()
    {
        var (exit, _, error) = await Cli.RunAsync("cap", _dir.File("absent"), "--convergence-secret", "YQ==");
        Assert.Equal(2, exit);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_convergence_file_that_is_not_base32_is_refused()
    {
        var path = WriteFile(new byte[100]);
        var secretFile = _dir.File("convergence");
        File.WriteAllText(secretFile, "NOT BASE32");
        var (exit, _, error) = await Cli.RunAsync("cap", path, "--convergence-file", secretFile);
        Assert.Equal(2, exit);
        Assert.Contains("does not hold a base32 secret", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_describes_every_option()
    {
        var (exit, output, _) = await Cli.RunAsync("cap", "--help");
        Assert.Equal(0, exit);
        foreach (var option in new[] { "-k", "-n", "--segment-size", "--convergence-secret", "--convergence-file", "--verify-cap", "--storage-index" })
        {
            Assert.Contains(option, output, StringComparison.Ordinal);
        }
    }
}
