using System.Runtime.InteropServices;

namespace Granary.Cli;

/// <summary>Sending SIGTERM, which .NET's Process cannot do (it only kills).</summary>
internal static partial class Signals
{
    private const int Sigterm = 15;

    public static void Terminate(int pid)
    {
        if (!OperatingSystem.IsWindows())
        {
            _ = Kill(pid, Sigterm);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
