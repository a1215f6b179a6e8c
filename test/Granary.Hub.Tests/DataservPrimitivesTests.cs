using System.Globalization;
using Granary.Hub.Data;
using Granary.Hub.Dataserv;

namespace Granary.Hub.Tests;

public sealed class DataservPrimitivesTests
{
    [Fact]
    public void Address_validity_matches_the_reference_for_every_known_answer()
    {
        foreach (var (address, valid) in DataservKnownAnswers.Entries("address_validation"))
        {
            Assert.True(DataservAddress.IsValid(address) == valid.GetBoolean(), $"'{address}' should be {(valid.GetBoolean() ? "valid" : "invalid")}");
        }
    }

    [Theory]
    [InlineData("1An6UhWF92g")] // payload 00 01 02 03 04: no length check
    [InlineData("dDc8z6")] // payload 05 alone
    [InlineData("1111111111111111111114oLvT2")] // all-zero hash
    public void Short_long_and_zero_payloads_pass_as_they_did_on_the_reference(string address) => Assert.True(DataservAddress.IsValid(address));

    [Theory]
    [InlineData("12guBkWfVjiqBnu5yRdTseBB7wBM5WSW0m")] // 0 is not base58
    [InlineData("12guBkWfVjiqBnu5yRdTseBB7wBM5WSWnm ")]
    [InlineData("12guBkWfVjiqBnu5yRdTseBB7wBM5WSWnmé")]
    [InlineData("xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8")]
    public void Other_characters_and_version_bytes_fail(string address) => Assert.False(DataservAddress.IsValid(address));

    [Fact]
    public void An_absurdly_long_address_is_refused_without_decoding_it() =>
        Assert.False(DataservAddress.IsValid(new string('z', DataservAddress.MaxLength + 1)));

    [Fact]
    public void Seconds_to_minutes_matches_the_reference()
    {
        foreach (var (seconds, text) in DataservKnownAnswers.Entries("secs_to_mins"))
        {
            Assert.Equal(text.GetString(), DataservApi.SecondsToMinutes(long.Parse(seconds, CultureInfo.InvariantCulture)));
        }
    }

    [Fact]
    public void Total_terabytes_round_half_to_even_and_print_as_python_floats()
    {
        foreach (var (shards, terabytes) in DataservKnownAnswers.Entries("total_TB_for_shards"))
        {
            var value = DataservApi.TotalTerabytes(long.Parse(shards, CultureInfo.InvariantCulture));
            Assert.Equal(terabytes.GetDecimal(), value);
            Assert.Contains('.', PythonJson.FloatRepr(value));
        }

        Assert.Equal("0.0", PythonJson.FloatRepr(DataservApi.TotalTerabytes(0)));
        Assert.Equal("0.12", PythonJson.FloatRepr(DataservApi.TotalTerabytes(1024)));
        Assert.Equal("1.22", PythonJson.FloatRepr(DataservApi.TotalTerabytes(10000)));
        Assert.Equal("2.0", PythonJson.FloatRepr(DataservApi.TotalTerabytes(16384)));
        Assert.Equal("1.5", PythonJson.FloatRepr(DataservApi.TotalTerabytes(12288)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(300)]
    [InlineData(3000)]
    public void The_farmer_list_is_written_as_python_json_dumps_writes_its_model(int count)
    {
        var random = new Random(count);
        var now = 1_800_000_000L * HubClock.MicrosPerSecond;
        var farmers = Enumerable.Range(0, count).Select(i => new Farmer(
            i + 1,
            i == 1 ? "1Quote\"back\\slash\u00e9" : $"1Farmer{random.Next():x}",
            i == 0 ? "1" + new string('z', 1000) : $"1Payout{random.Next():x}", // outgrows the estimated body
            now - random.NextInt64(0, 2L * 86_400 * HubClock.MicrosPerSecond),
            random.Next(0, 200_000))).ToList();
        foreach (var compact in new[] { false, true })
        {
            // dataserv's model of the list, as the route built it before it wrote the rows directly.
            var model = new PyObject(new Dictionary<string, PyValue>
            {
                ["farmers"] = new PyList([.. farmers.Select(f => (PyValue)new PyObject(new Dictionary<string, PyValue>
                {
                    ["payout_addr"] = f.PayoutAddr,
                    ["last_seen"] = HubClock.SecondsWithinDay(now, f.LastSeenMicros),
                    ["height"] = (long)f.Height,
                    ["btc_addr"] = f.BtcAddr,
                }))]),
            });
            Assert.Equal(PythonJson.Dumps(model, indent: !compact), System.Text.Encoding.UTF8.GetString(FarmerListJson.Render(farmers, now, compact)));
        }
    }

    [Fact]
    public void Python_json_pretty_and_compact_forms_are_byte_exact()
    {
        var farmer = new PyObject(new Dictionary<string, PyValue> { ["payout_addr"] = "1B", ["btc_addr"] = "1A", ["last_seen"] = 5L, ["height"] = 2L });
        var value = new PyObject(new Dictionary<string, PyValue> { ["farmers"] = new PyList([farmer, farmer]) });

        Assert.Equal(
            "{\n  \"farmers\": [\n    {\n      \"btc_addr\": \"1A\",\n      \"height\": 2,\n      \"last_seen\": 5,\n      \"payout_addr\": \"1B\"\n    },\n    {\n      \"btc_addr\": \"1A\",\n      \"height\": 2,\n      \"last_seen\": 5,\n      \"payout_addr\": \"1B\"\n    }\n  ]\n}",
            PythonJson.Dumps(value, indent: true));
        Assert.Equal(
            "{\"farmers\": [{\"btc_addr\": \"1A\", \"height\": 2, \"last_seen\": 5, \"payout_addr\": \"1B\"}, {\"btc_addr\": \"1A\", \"height\": 2, \"last_seen\": 5, \"payout_addr\": \"1B\"}]}",
            PythonJson.Dumps(value, indent: false));
        Assert.Equal("{\n  \"farmers\": []\n}", PythonJson.Dumps(new PyObject(new Dictionary<string, PyValue> { ["farmers"] = new PyList([]) }), indent: true));
        Assert.Equal("\"caf\\u00e9 \\\"q\\\" \\n\"", PythonJson.Dumps(new PyString("café \"q\" \n"), indent: false));
    }

    [Theory]
    [InlineData("Sat, 21 Nov 2026 18:27:26 +0000", 0)]
    [InlineData("Sat, 21 Nov 2026 18:27:26 GMT", 0)]
    [InlineData("Sat, 21 Nov 2026 23:57:26 +0530", 0)]
    [InlineData("Sat, 21 Nov 2026 10:27:26 -0800", 0)]
    [InlineData("21 Nov 2026 18:27:26 +0000", 0)] // no weekday
    [InlineData("Mon 21 Nov 2026 18:27:26 +0000", 0)] // weekday unchecked, no comma
    [InlineData("Sat,21 Nov 2026 18:27:26 +0000", 0)]
    [InlineData("Saturday, 21 November 2026 18:27:26 +0000", 0)]
    [InlineData("Sat, 21 Nov 26 18:27:26 +0000", 0)] // two-digit year
    [InlineData("Sat, 21 Nov 2026 18:27 +0000", -26)] // no seconds
    [InlineData("Sat, 21 Nov 2026 18:27:26 UT", 0)]
    [InlineData("Sat, 21 Nov 2026 18:27:26 UTC", 0)]
    [InlineData("Sat, 21 Nov 2026 18:27:26 Z", 0)]
    [InlineData("Sat, 21 Nov 2026 18:27:26 gmt", 0)]
    [InlineData("Sat, 21 Nov 2026 13:27:26 EST", 0)]
    [InlineData("Sat, 21 Nov 2026 11:27:26 PDT", 0)]
    [InlineData("Sat, 21 Nov 2026 18:27:26 XYZ", 0)] // unknown zone: UTC
    [InlineData("Sat, 21 Nov 2026 18:27:26", 0)] // no zone: UTC
    [InlineData("Sat, 21 Nov 2026 18:27:26 -0000", 0)]
    [InlineData("Nov 21 2026 18:27:26 +0000", 0)] // month first
    [InlineData("21-Nov-2026 18:27:26 GMT", 0)] // RFC 850
    [InlineData("Sat, 21 Nov 2026 18:27:26+0000", 0)] // zone glued to the time
    [InlineData("Sat, 32 Oct 2026 18:27:26 +0000", -1728000)] // day 32 folds into November
    public void Dates_parse_as_python_parsedate_tz_and_mktime_tz_did(string date, long secondsFromExample)
    {
        Assert.True(EmailDate.TryParse(date, out var seconds), date);
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 18, 27, 26, TimeSpan.Zero).ToUnixTimeSeconds() + secondsFromExample, seconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("not a date")]
    [InlineData("2026-11-21T18:37:23Z")]
    [InlineData("Sat, 21 Foo 2026 18:27:26 +0000")]
    [InlineData("Sat, 21 Nov 2026 18-27-26 +0000")]
    [InlineData("Sat, 21 Nov 99999 18:27:26 +0000")]
    [InlineData("Sat, xx Nov 2026 18:27:26 +0000")]
    [InlineData("Sat, 21 Nov 2026 18:27:99999999999999999999 +0000")]
    public void Unparseable_dates_are_refused(string date) => Assert.False(EmailDate.TryParse(date, out _), date);

    [Theory]
    [InlineData(0, 0)]
    [InlineData(59.9, 59)]
    [InlineData(75, 75)]
    [InlineData(86400 + 5, 5)] // whole days dropped, as timedelta.seconds does
    [InlineData(-1, 86399)] // a last-seen time in the future
    public void Seconds_within_the_day_follow_python_timedelta_seconds(double elapsed, long expected)
    {
        var then = HubClock.ToMicros(new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(expected, HubClock.SecondsWithinDay(then + (long)(elapsed * HubClock.MicrosPerSecond), then));
    }
}
