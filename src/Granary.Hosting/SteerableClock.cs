using System.Globalization;

namespace Granary.Hosting;

/// <summary>
/// The wall clock moved on by an offset that a file holds, so that a test can make days pass for a
/// hub, its nodes and its clients at once: every process started with <c>GRANARY_CLOCK_FILE</c>
/// set reads the same file. The file holds one number, the seconds to add to the system's time
/// (a missing or unreadable file means no offset). Timers keep real time: a periodic job still runs
/// every so many real seconds, and sees the steered time when it runs.
/// </summary>
public sealed class SteerableClock : TimeProvider
{
    /// <summary>The environment variable that names the offset file.</summary>
    public const string Variable = "GRANARY_CLOCK_FILE";

    private static readonly TimeSpan RereadAfter = TimeSpan.FromMilliseconds(50);

    private readonly string _path;
    private readonly Lock _lock = new();
    private DateTime _lastWrite;
    private long _checkedAt;
    private TimeSpan _offset;

    public SteerableClock(string path)
    {
        _path = path;
        _checkedAt = System.GetTimestamp();
        Reread();
    }

    /// <summary>The system clock, or a steerable one when <c>GRANARY_CLOCK_FILE</c> names a file.</summary>
    public static TimeProvider FromEnvironment() =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } path ? new SteerableClock(path) : System;

    /// <summary>Writes the offset a steerable clock reading <paramref name="path"/> adds (atomically, for tests).</summary>
    public static void Steer(string path, TimeSpan offset)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, offset.TotalSeconds.ToString("R", CultureInfo.InvariantCulture));
        File.Move(temporary, path, overwrite: true);
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            if (System.GetElapsedTime(_checkedAt) >= RereadAfter)
            {
                _checkedAt = System.GetTimestamp();
                Reread();
            }

            return System.GetUtcNow() + _offset;
        }
    }

    private void Reread()
    {
        try
        {
            var written = File.GetLastWriteTimeUtc(_path);
            if (written == _lastWrite)
            {
                return;
            }

            _lastWrite = written;
            _offset = double.TryParse(File.ReadAllText(_path).Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
                ? TimeSpan.FromSeconds(seconds)
                : TimeSpan.Zero;
        }
        catch (IOException)
        {
            // the file is being replaced: keep the last offset and look again at the next reading
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
