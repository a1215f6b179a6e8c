using System.Globalization;

namespace Granary.Hub.Dataserv;

/// <summary>
/// An RFC 2822 <c>Date</c> header read the way dataserv read it: Python's lenient
/// <c>email.utils.parsedate_tz</c>, then <c>mktime_tz</c> (spec §8.2 step 5). Weekday optional and
/// unchecked, comma optional, short or full English month names, two-digit years, <c>HH:MM</c> or
/// <c>HH:MM:SS</c>, a numeric zone, a zone word (UT, UTC, GMT, Z, the US zones) or none (UTC).
/// Out-of-range fields are folded in arithmetically, as <c>calendar.timegm</c> does.
/// </summary>
internal static class EmailDate
{
    private static readonly string[] MonthNames =
    [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
    ];

    private static readonly string[] DayNames = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

    private static readonly Dictionary<string, int> Zones = new(StringComparer.Ordinal)
    {
        ["UT"] = 0, ["UTC"] = 0, ["GMT"] = 0, ["Z"] = 0,
        ["AST"] = -400, ["ADT"] = -300, ["EST"] = -500, ["EDT"] = -400, ["CST"] = -600, ["CDT"] = -500,
        ["MST"] = -700, ["MDT"] = -600, ["PST"] = -800, ["PDT"] = -700,
    };

    /// <summary>Seconds since the Unix epoch that the date names; false where Python would have found no date (or failed).</summary>
    public static bool TryParse(string text, out long unixSeconds)
    {
        unixSeconds = 0;
        var data = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).ToList();
        if (data.Count == 0)
        {
            return false;
        }

        if (data[0].EndsWith(',') || DayNames.Contains(data[0].ToLowerInvariant()))
        {
            data.RemoveAt(0);
        }
        else
        {
            var comma = data[0].LastIndexOf(',');
            if (comma >= 0)
            {
                data[0] = data[0][(comma + 1)..];
            }
        }

        if (data.Count == 3)
        {
            // RFC 850: 21-Nov-26 18:27:26 GMT
            var parts = data[0].Split('-');
            if (parts.Length == 3)
            {
                data = [.. parts, .. data.Skip(1)];
            }
        }

        if (data.Count == 4)
        {
            var last = data[3];
            var sign = last.IndexOf('+', StringComparison.Ordinal);
            if (sign == -1)
            {
                sign = last.IndexOf('-', StringComparison.Ordinal);
            }

            if (sign > 0)
            {
                data[3] = last[..sign];
                data.Add(last[sign..]);
            }
            else
            {
                data.Add("");
            }
        }

        if (data.Count < 5)
        {
            return false;
        }

        var (dd, mm, yy, tm, tz) = (data[0], data[1].ToLowerInvariant(), data[2], data[3], data[4]);
        var month = Array.IndexOf(MonthNames, mm);
        if (month < 0)
        {
            (dd, mm) = (mm, dd.ToLowerInvariant());
            month = Array.IndexOf(MonthNames, mm);
            if (month < 0)
            {
                return false;
            }
        }

        month = (month % 12) + 1;
        if (dd.Length == 0)
        {
            return false;
        }

        if (dd[^1] == ',')
        {
            dd = dd[..^1];
        }

        if (yy.IndexOf(':', StringComparison.Ordinal) > 0)
        {
            (yy, tm) = (tm, yy);
        }

        if (yy.Length == 0)
        {
            return false;
        }

        if (yy[^1] == ',')
        {
            yy = yy[..^1];
        }

        if (yy.Length == 0)
        {
            return false;
        }

        if (!char.IsDigit(yy[0]))
        {
            (yy, tz) = (tz, yy);
        }

        if (tm.Length == 0)
        {
            return false;
        }

        if (tm[^1] == ',')
        {
            tm = tm[..^1];
        }

        var clock = tm.Split(':');
        if (clock.Length is not (2 or 3))
        {
            return false;
        }

        if (!PythonInt(yy, out var year) || !PythonInt(dd, out var day) || !PythonInt(clock[0], out var hour) || !PythonInt(clock[1], out var minute))
        {
            return false;
        }

        long second = 0;
        if (clock.Length == 3 && !PythonInt(clock[2], out second))
        {
            return false;
        }

        if (year < 100)
        {
            year += year > 68 ? 1900 : 2000;
        }

        long? offset = null;
        tz = tz.ToUpperInvariant();
        if (Zones.TryGetValue(tz, out var named))
        {
            offset = named;
        }
        else if (PythonInt(tz, out var numeric) && !(numeric == 0 && tz.StartsWith('-')))
        {
            offset = numeric;
        }

        var offsetSeconds = offset is long o && o != 0 ? Math.Sign(o) * (((Math.Abs(o) / 100) * 3600) + ((Math.Abs(o) % 100) * 60)) : 0;

        // calendar.timegm: date(year, month, 1) must exist; the rest is arithmetic.
        if (year is < 1 or > 9999)
        {
            return false;
        }

        try
        {
            var days = checked((long)(new DateOnly((int)year, month, 1).DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber) + day - 1);
            unixSeconds = checked((((((days * 24) + hour) * 60) + minute) * 60) + second - offsetSeconds);
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    // Python's int(str) for the reference's Python 3.4: an optional sign and decimal digits (any
    // script's); no underscores, no spaces inside.
    private static bool PythonInt(string text, out long value)
    {
        value = 0;
        var start = text.Length > 0 && text[0] is '+' or '-' ? 1 : 0;
        if (start == text.Length)
        {
            return false;
        }

        try
        {
            for (var i = start; i < text.Length; i++)
            {
                var digit = CharUnicodeInfo.GetDecimalDigitValue(text[i]);
                if (digit < 0)
                {
                    return false;
                }

                value = checked((value * 10) + digit);
            }
        }
        catch (OverflowException)
        {
            return false;
        }

        if (text[0] == '-')
        {
            value = -value;
        }

        return true;
    }
}
