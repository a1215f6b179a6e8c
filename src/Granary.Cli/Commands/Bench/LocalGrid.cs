using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Granary.Cli.Commands.Bench;

/// <summary>A <c>granary grid up</c> child process and the grid it runs.</summary>
internal sealed class LocalGrid : IAsyncDisposable
{
    private readonly Process _supervisor;
    private readonly int[] _nodePids;

    private LocalGrid(Process supervisor, string clientDir, int[] nodePids, GridCommand.GridNode gateway)
    {
        _supervisor = supervisor;
        ClientDir = clientDir;
        _nodePids = nodePids;
        Gateway = gateway;
    }

    public string ClientDir { get; }

    /// <summary>The grid's web gateway process.</summary>
    public GridCommand.GridNode Gateway { get; }

    /// <summary>The storage URLs of the grid's nodes.</summary>
    public IReadOnlyList<string> NodeUrls { get; private init; } = [];

    /// <summary>The grid's nodes' directories (their shares are under <c>shares/</c>).</summary>
    public IReadOnlyList<string> NodeDirs { get; private init; } = [];

    public static async Task<LocalGrid> StartAsync(string dir, int nodes, long fileBytes, CancellationToken cancellationToken)
    {
        // Room for this file's shares (n/k = 10/3 of it) spread unevenly, and the warm-up's.
        var capacity = Math.Max(10L << 30, (fileBytes * 4 / nodes) + (1L << 30));
        var info = GridCommand.SelfStartInfo(["grid", "up", "--nodes", nodes.ToString(CultureInfo.InvariantCulture), "--dir", dir, "--capacity", capacity.ToString(CultureInfo.InvariantCulture)]);
        info.RedirectStandardError = true;
        var process = Process.Start(info)!;
        _ = process.StandardError.ReadToEndAsync(CancellationToken.None);
        const string marker = "client dir: ";
        while (await process.StandardOutput.ReadLineAsync(cancellationToken).AsTask().WaitAsync(TimeSpan.FromMinutes(2), cancellationToken) is { } line)
        {
            if (line.StartsWith(marker, StringComparison.Ordinal))
            {
                _ = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
                var state = JsonSerializer.Deserialize<GridCommand.GridState>(await File.ReadAllTextAsync(Path.Combine(dir, GridCommand.StateFile), cancellationToken))!;
                return new LocalGrid(process, line[marker.Length..], [.. state.Nodes.Select(n => n.Pid)], state.Gateway!) { NodeUrls = [.. state.Nodes.Select(n => n.Url)], NodeDirs = [.. state.Nodes.Select(n => n.Dir)] };
            }
        }

        await process.WaitForExitAsync(cancellationToken);
        throw new InvalidOperationException($"the grid did not start (granary grid up exited with code {process.ExitCode})");
    }

    public double NodesCpuSeconds() => _nodePids.Sum(pid =>
    {
        try
        {
            using var node = Process.GetProcessById(pid);
            return node.TotalProcessorTime.TotalSeconds;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return 0;
        }
    });

    public async ValueTask DisposeAsync()
    {
        await Daemon.StopAllAsync([_supervisor], TimeSpan.FromSeconds(30));
        _supervisor.Dispose();
    }
}
