using Granary.Testing;

namespace Granary.IntegrationTests;

/// <summary>The CLI as a newcomer meets it: a fresh home directory, no grid yet, typing mistakes.</summary>
public sealed class NewcomerCliTests : IDisposable
{
    private readonly TempDirectory _home = new("granary-home");

    public void Dispose() => _home.Dispose();

    private Dictionary<string, string> FreshHome => new() { ["HOME"] = _home.Path, ["GRANARY_CLIENT_DIR"] = "" };

    private Task<ProcessResult> RunAsync(params string[] args) => GranaryProcess.RunAsync(args, TimeSpan.FromMinutes(1), FreshHome);

    private string DefaultClientDir => Path.Combine(_home.Path, ".granary");

    [Fact]
    public async Task A_tiny_file_gets_a_literal_cap_without_any_server_and_creates_nothing()
    {
        var file = _home.File("tiny.txt");
        await File.WriteAllTextAsync(file, "hello, grid");
        var put = await RunAsync("put", file);
        Assert.True(put.ExitCode == 0, put.Error);
        var cap = put.Output.Trim();
        Assert.StartsWith("URI:LIT:", cap, StringComparison.Ordinal);
        Assert.False(Directory.Exists(DefaultClientDir));

        var get = await RunAsync("get", cap);
        Assert.Equal(0, get.ExitCode);
        Assert.Equal("hello, grid", get.Output);
    }

    [Fact]
    public async Task A_put_with_no_grid_configured_fails_with_exit_1_and_leaves_no_client_directory()
    {
        var file = _home.File("big.bin");
        await File.WriteAllBytesAsync(file, new byte[10_000]);
        var put = await RunAsync("put", file);
        Assert.Equal(1, put.ExitCode);
        Assert.Contains("client.json", put.Error, StringComparison.Ordinal);
        Assert.Single(put.Error.Trim().Split('\n'));
        Assert.False(Directory.Exists(DefaultClientDir));

        var check = await RunAsync("check", "URI:CHK:ogpd6qxlv2a2ql4gh7nctqpj2y:uw52p5gcjckm4oqpebkjkikn5jrefumx7ihr2ppfbkdsnmr3ybtq:3:10:10000");
        Assert.Equal(1, check.ExitCode);
        Assert.False(Directory.Exists(DefaultClientDir));
    }

    [Fact]
    public async Task A_broken_client_config_is_exit_1_not_a_usage_error()
    {
        var client = _home.File("client");
        Directory.CreateDirectory(client);
        await File.WriteAllTextAsync(Path.Combine(client, "client.json"), "{ not json");
        var file = _home.File("big.bin");
        await File.WriteAllBytesAsync(file, new byte[10_000]);
        var put = await RunAsync("put", file, "--client-dir", client);
        Assert.Equal(1, put.ExitCode);
        Assert.Contains("not valid JSON", put.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unknown command 'frobnicate'", "frobnicate")]
    [InlineData("unknown option '--bogus'", "put", "--bogus", "FILE")]
    [InlineData("unknown option '--bogus'", "put", "FILE", "--bogus")]
    [InlineData("missing SOURCE", "get")]
    public async Task A_wrong_command_line_names_what_is_wrong_with_exit_2(string message, params string[] args)
    {
        var result = await RunAsync(args);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.Single(result.Error.Trim().Split('\n'));
    }

    [Fact]
    public async Task Get_into_a_missing_directory_says_so_plainly()
    {
        var target = Path.Combine(_home.Path, "no", "such", "dir", "out.txt");
        var result = await RunAsync("get", "URI:LIT:nbswy3dp", "-o", target);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("does not exist", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(".partial", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_input_file_is_exit_1_with_its_name()
    {
        var result = await RunAsync("put", _home.File("nowhere.bin"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("nowhere.bin' does not exist", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(DefaultClientDir));
    }
}
