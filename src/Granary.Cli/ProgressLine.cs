using System.Diagnostics;
using System.Globalization;
using Granary.Core.Formats;

namespace Granary.Cli;

/// <summary>
/// A single self-overwriting status line on a terminal (percent, bytes, rate), redrawn at most ten
/// times a second; silent when standard error is not a terminal, so pipes and logs stay clean.
/// </summary>
internal sealed class ProgressLine : IDisposable
{
    private readonly TextWriter? _terminal;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDraw = -1000;
    private bool _drawn;

    public ProgressLine(CommandContext context) => _terminal = context.Interactive ? context.Error : null;

    public void Report(string phase, long done, long total)
    {
        if (_terminal is null || (_clock.ElapsedMilliseconds - _lastDraw < 100 && done < total))
        {
            return;
        }

        _lastDraw = _clock.ElapsedMilliseconds;
        var seconds = Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
        var percent = total == 0 ? 100 : 100.0 * done / total;
        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"\r{phase,-14} {percent,5:0.0}%  {ByteSize.Format(done)} of {ByteSize.Format(total)}  {ByteSize.Format((long)(done / seconds))}/s");
        _terminal.Write(line.PadRight(72));
        _drawn = true;
    }

    /// <summary>Shows <paramref name="text"/> (a count and the item at hand, say), cut to the line's width.</summary>
    public void Show(string text)
    {
        if (_terminal is null || _clock.ElapsedMilliseconds - _lastDraw < 100)
        {
            return;
        }

        _lastDraw = _clock.ElapsedMilliseconds;
        _terminal.Write("\r" + (text.Length > 72 ? text[..71] + "…" : text.PadRight(72)));
        _drawn = true;
    }

    /// <summary>Starts timing a new phase.</summary>
    public void Restart() => _clock.Restart();

    /// <summary>Blanks the line, so that a line of output can be written in its place.</summary>
    public void Clear()
    {
        if (_drawn)
        {
            _terminal!.Write("\r" + new string(' ', 72) + "\r");
            _drawn = false;
        }
    }

    public void Dispose() => Clear();
}
