using System.Diagnostics;

namespace Granary.Testing;

/// <summary>
/// Runs the real <c>granary</c> executable as a child process. Test projects that use it reference
/// Granary.Cli, so the executable sits beside the test assembly.
/// </summary>
public static class GranaryProcess
{
    public static string ExecutablePath => Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "granary.exe" : "granary");

    public static ProcessStartInfo StartInfo(IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return info;
    }

    /// <summary>Runs to completion and returns the exit code, standard output and standard error.</summary>
    public static async Task<ProcessResult> RunAsync(IEnumerable<string> args, TimeSpan? timeout = null, IDictionary<string, string>? environment = null)
    {
        using var process = Process.Start(StartInfo(args, environment))!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"granary {string.Join(' ', args)} did not finish in time.");
        }

        return new ProcessResult(process.ExitCode, await output, await error);
    }
}

public sealed record ProcessResult(int ExitCode, string Output, string Error);
