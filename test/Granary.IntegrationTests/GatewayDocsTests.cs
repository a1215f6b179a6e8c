using System.Diagnostics;
using Granary.Testing;

namespace Granary.IntegrationTests;

/// <summary>The curl examples in docs/gateway.md, run as written against the gateway of a real grid.</summary>
[Collection(GatewayCollection.Name)]
public sealed class GatewayDocsTests(GatewayFixture shared)
{
    private const string Marker = "<!-- tested: curl examples -->";

    [Fact]
    public async Task The_documented_curl_examples_work()
    {
        var doc = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot(), "docs", "gateway.md"));
        var start = doc.IndexOf(Marker, StringComparison.Ordinal);
        Assert.True(start >= 0, $"docs/gateway.md has lost its '{Marker}' block");
        var fence = doc.IndexOf("```sh\n", start, StringComparison.Ordinal) + "```sh\n".Length;
        var script = doc[fence..doc.IndexOf("```", fence, StringComparison.Ordinal)];
        Assert.Contains("curl", script, StringComparison.Ordinal);

        using var directory = new TempDirectory("granary-gateway-docs");
        await File.WriteAllTextAsync(Path.Combine(directory.Path, "notes.txt"), "Notes for the gateway docs.\n" + new string('n', 70_000));
        var info = new ProcessStartInfo("bash", ["-euo", "pipefail", "-c", script])
        {
            WorkingDirectory = directory.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["GATEWAY"] = shared.Gateway.BaseAddress.ToString() },
        };
        using var bash = Process.Start(info)!;
        var output = bash.StandardOutput.ReadToEndAsync();
        var error = bash.StandardError.ReadToEndAsync();
        await bash.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        Assert.True(bash.ExitCode == 0, $"the examples failed (exit {bash.ExitCode}):\n{await error}\n{await output}");

        var printed = await output;
        Assert.Contains("\"type\":\"stats\"", printed, StringComparison.Ordinal); // the manifest's last line
        Assert.Contains("\"summary\":\"Healthy\"", printed, StringComparison.Ordinal);
        Assert.Contains("\"finished\": true", printed, StringComparison.Ordinal);
        Assert.Equal(
            await File.ReadAllBytesAsync(Path.Combine(directory.Path, "notes.txt")),
            await File.ReadAllBytesAsync(Path.Combine(directory.Path, "notes-copy.txt")));
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Granary.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the tests run outside the repository");
    }
}
