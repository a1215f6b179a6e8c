using System.Diagnostics;

namespace Granary.Testing;

/// <summary>A granary process running in the background (a node, a hub, a grid), killed on dispose.</summary>
public sealed class RunningProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly List<string> _error = [];
    private readonly TaskCompletionSource<string> _firstLine = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RunningProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                _firstLine.TrySetException(new InvalidOperationException($"granary exited before printing anything: {Error}"));
                return;
            }

            lock (_output)
            {
                _output.Add(e.Data);
            }

            _firstLine.TrySetResult(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_error)
                {
                    _error.Add(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    public string Error
    {
        get
        {
            lock (_error)
            {
                return string.Join('\n', _error);
            }
        }
    }

    public static RunningProcess Start(IEnumerable<string> args, IDictionary<string, string>? environment = null) =>
        new(Process.Start(GranaryProcess.StartInfo(args, environment))!);

    /// <summary>The first line the process prints (a node prints its storage URL), within a deadline.</summary>
    public async Task<string> FirstLineAsync(TimeSpan? timeout = null)
    {
        try
        {
            return await _firstLine.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"granary printed nothing in time. stderr: {Error}");
        }
    }

    /// <summary>Waits until standard output contains <paramref name="text"/>.</summary>
    public Task WaitForOutputAsync(string text, TimeSpan? timeout = null) => WaitForAsync(() => Output, text, timeout);

    /// <summary>Waits until standard error (where nodes and hubs log) contains <paramref name="text"/>.</summary>
    public Task WaitForLogAsync(string text, TimeSpan? timeout = null) => WaitForAsync(() => Error, text, timeout);

    private async Task WaitForAsync(Func<string> stream, string text, TimeSpan? timeout)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (!stream().Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"granary never printed '{text}'. stdout: {Output}\nstderr: {Error}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>SIGKILL: no chance to clean up, as in a crash or power cut.</summary>
    public void KillHard()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>Waits for the process to end on its own.</summary>
    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
    }

    /// <summary>SIGTERM, then wait for a clean exit; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        if (!_process.HasExited)
        {
            Signal(_process.Id, 15);
            using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
            await _process.WaitForExitAsync(cancel.Token);
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        KillHard();
        _process.Dispose();
        await Task.CompletedTask;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Signal(int pid, int signal);
}
