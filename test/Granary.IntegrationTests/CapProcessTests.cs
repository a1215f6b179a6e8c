using System.Diagnostics;
using Granary.Testing;

namespace Granary.IntegrationTests;

public sealed class CapProcessTests : IDisposable
{
    private readonly TempDirectory _dir = new("granary-cap-process");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_executable_prints_a_published_cap_and_exits_zero()
    {
        var vector = TahoeVector.Load().First(v => v.K == 3 && v.N == 10);
        var path = _dir.File("sample");
        await File.WriteAllBytesAsync(path, vector.Plaintext());
        var result = await GranaryProcess.RunAsync(
            ["cap", path, "--segment-size", $"{vector.MaxSegmentSize}", "--convergence-secret", Convert.ToBase64String(vector.Convergence)]);
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(vector.Expected, result.Output.Trim());
        Assert.Equal("", result.Error);
    }

    [Fact]
    public async Task The_executable_exits_2_with_one_line_on_bad_arguments()
    {
        var result = await GranaryProcess.RunAsync(["cap", "/nonexistent", "-n", "0"]);
        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.Error.Trim().Split('\n'));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task Capping_a_4_GiB_file_stays_under_200_MB_of_memory()
    {
        var path = _dir.File("big");
        await using (var file = File.Create(path))
        {
            file.SetLength(4L << 30); // sparse: reads cost page-cache time, not disk
        }

        using var process = Process.Start(GranaryProcess.StartInfo(["cap", path, "--convergence-secret", "YQ=="]))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        long peak = 0;
        while (!process.HasExited)
        {
            process.Refresh();
            try
            {
                peak = Math.Max(peak, process.PeakWorkingSet64);
            }
            catch (InvalidOperationException)
            {
                break; // exited between the check and the read
            }

            await Task.Delay(100);
        }

        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, await error);
        Assert.StartsWith("URI:CHK:", (await output).Trim(), StringComparison.Ordinal);
        Assert.True(peak > 0 && peak < 200_000_000, $"peak working set {peak / 1_000_000} MB");
    }
}
