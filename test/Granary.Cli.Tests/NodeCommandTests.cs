using Granary.Core.Protocol;
using Granary.Testing;

namespace Granary.Cli.Tests;

public sealed class NodeCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new("granary-node-cli");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Create_writes_settings_key_and_secret_and_show_prints_the_storage_url()
    {
        var node = _dir.File("n");
        var (exit, output, error) = await Cli.RunAsync("node", "create", node, "--port", "40555", "--capacity", "2GiB", "--reserved", "100MiB", "--hub", "http://127.0.0.1:9000");
        Assert.True(exit == 0, error);
        Assert.True(File.Exists(Path.Combine(node, "node.json")));
        Assert.True(Granary.Core.Files.SecretFile.IsOwnerOnly(Path.Combine(node, "node.key")));
        Assert.True(Granary.Core.Files.SecretFile.IsOwnerOnly(Path.Combine(node, "storage-secret")));

        var show = await Cli.RunAsync("node", "show", node);
        Assert.Equal(0, show.Exit);
        var url = StorageUrl.Parse(show.Output.Split('\n').Single(l => l.StartsWith("storage URL:", StringComparison.Ordinal))["storage URL:".Length..]);
        Assert.Equal(40555, url.Port);
        Assert.Contains(url.ToString(), output, StringComparison.Ordinal);
        Assert.Contains("2 GiB", show.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new string[0], "leases run 31 days; shares unleased for 7 days are removed")]
    [InlineData(new[] { "--no-lease-expiry" }, "leases run 31 days; shares whose leases expired are kept (lease expiry off)")]
    [InlineData(new[] { "--lease-expiry-dry-run", "--lease-grace-days", "0" }, "leases run 31 days; lease expiry in dry run: logs shares unleased for 0 days, removes nothing")]
    public async Task Show_states_how_the_node_expires_leases(string[] options, string expected)
    {
        var node = _dir.File("n");
        Assert.Equal(0, (await Cli.RunAsync(["node", "create", node, .. options])).Exit);
        var show = await Cli.RunAsync("node", "show", node);
        Assert.Contains("leases:       " + expected, show.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_refuses_an_existing_node()
    {
        var node = _dir.File("n");
        Assert.Equal(0, (await Cli.RunAsync("node", "create", node)).Exit);
        var (exit, _, error) = await Cli.RunAsync("node", "create", node);
        Assert.Equal(1, exit);
        Assert.Contains("already holds a node", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--capacity", "lots", "not a size")]
    [InlineData("--port", "70000", "between 1 and 65535")]
    [InlineData("--hub", "ftp://x", "not an http(s) URL")]
    [InlineData("--lease-days", "0", "leaseDurationDays 0 is not between 1 and 3650")]
    [InlineData("--lease-grace-days", "-1", "graceDays -1 is not between 0 and 3650")]
    public async Task Bad_node_arguments_exit_2(string option, string value, string reason)
    {
        var (exit, _, error) = await Cli.RunAsync("node", "create", _dir.File("n"), option, value);
        Assert.Equal(2, exit);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_of_a_directory_without_a_node_says_how_to_make_one()
    {
        var (exit, _, error) = await Cli.RunAsync("node", "show", _dir.Path);
        Assert.Equal(2, exit);
        Assert.Contains("granary node create", error, StringComparison.Ordinal);
    }
}
