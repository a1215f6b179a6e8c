using Granary.Core.Identity;
using Granary.Testing;

namespace Granary.Cli.Tests;

public sealed class KeyCommandTests : IDisposable
{
    private const string Wif = "KwpoWJhfAAqZJSpidUDFJThWqeYJBHFvxev9eX58EjViNrhXF4dC";
    private const string Address = "16873MvVo6D4gTuFj42h2X9k92DsbNAgvC";
    private readonly TempDirectory _dir = new("granary-key-cli");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task New_writes_a_0600_key_file_that_show_describes_without_the_secret()
    {
        var path = _dir.File("node.key");
        var (exit, output, _) = await Cli.RunAsync("key", "new", "--out", path);
        Assert.Equal(0, exit);
        Assert.True(Granary.Core.Files.SecretFile.IsOwnerOnly(path));
        using var key = KeyFile.Read(path);
        Assert.Contains(key.NodeId.ToString(), output, StringComparison.Ordinal);

        var show = await Cli.RunAsync("key", "show", path);
        Assert.Equal(0, show.Exit);
        Assert.Contains($"node id:     {key.NodeId}", show.Output, StringComparison.Ordinal);
        Assert.Contains($"address:     {key.Address}", show.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(key.Serialize(), show.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task New_refuses_to_overwrite_an_existing_file()
    {
        var path = _dir.File("node.key");
        await File.WriteAllTextAsync(path, "precious");
        var (exit, _, error) = await Cli.RunAsync("key", "new", "--out", path);
        Assert.Equal(2, exit);
        Assert.Contains("refusing to overwrite", error, StringComparison.Ordinal);
        Assert.Equal("precious", await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task Import_keeps_a_WIF_and_signing_reproduces_the_vector()
    {
        var path = _dir.File("imported.key");
        Assert.Equal(0, (await Cli.RunAsync("key", "import", Wif, "--out", path)).Exit);
        var (exit, output, _) = await Cli.RunAsync("key", "sign-message", "--key", path, "hello");
        Assert.Equal(0, exit);
        Assert.Equal("IE8Uj/98s/QtLwfBWFtvHfsjDcriu6D1e3RgMPQVVGKNwqCZ8owU/xeqOvJ32PxD2XgKnnmix2gwZMoxNQr5xzU=", output.Trim());
    }

    [Fact]
    public async Task Import_takes_an_xprv_and_shows_its_xpub()
    {
        const string xprv = "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi";
        var path = _dir.File("hwif.key");
        Assert.Equal(0, (await Cli.RunAsync("key", "import", xprv, "--out", path)).Exit);
        var show = await Cli.RunAsync("key", "show", path);
        Assert.Contains("xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8", show.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(xprv, show.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("IE8Uj/98s/QtLwfBWFtvHfsjDcriu6D1e3RgMPQVVGKNwqCZ8owU/xeqOvJ32PxD2XgKnnmix2gwZMoxNQr5xzU=", "hello", 0)]
    [InlineData("IE8Uj/98s/QtLwfBWFtvHfsjDcriu6D1e3RgMPQVVGKNwqCZ8owU/xeqOvJ32PxD2XgKnnmix2gwZMoxNQr5xzU=", "hello!", 1)]
    [InlineData("not base64!", "hello", 2)]
    [InlineData("AAAA", "hello", 2)]
    public async Task Verify_message_exits_0_valid_1_invalid_2_malformed(string signature, string message, int expected)
    {
        var (exit, _, _) = await Cli.RunAsync("key", "verify-message", Address, signature, message);
        Assert.Equal(expected, exit);
    }

    [Fact]
    public async Task Verify_message_with_a_malformed_address_exits_2()
    {
        var (exit, _, error) = await Cli.RunAsync("key", "verify-message", "16873MvVo6D4gTuFj42h2X9k92DsbNAgvD", "IE8U", "hello");
        Assert.Equal(2, exit);
        Assert.Contains("checksum", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("key", "import", "nope")]
    [InlineData("key", "show", "/nonexistent/key")]
    [InlineData("key", "sign-message", "hello")]
    public async Task Bad_key_arguments_exit_2_with_one_line(params string[] args)
    {
        var (exit, _, error) = await Cli.RunAsync(args);
        Assert.Equal(2, exit);
        Assert.Single(error.Trim().Split('\n'));
    }
}
