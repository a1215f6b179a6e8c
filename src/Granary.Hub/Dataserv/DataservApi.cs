using System.Globalization;
using Granary.Hub.Data;

namespace Granary.Hub.Dataserv;

/// <summary>
/// dataserv 2.2.11's routes (spec §4), each checking in the reference's order: the address, then
/// the signed headers, then the route's own rules. Messages, statuses and JSON are the reference's.
/// </summary>
internal sealed class DataservApi(FarmerStore farmers, DataservAuthenticator authenticator, HubOptions options, TimeProvider time, string hubAddress)
{
    /// <summary>dataserv's HEIGHT_LIMIT: a farmer's height in 128 MiB shards must stay below it.</summary>
    public const int HeightLimit = 200_000;

    private const string InvalidAddress = "Invalid Bitcoin address.";
    private const string InvalidHeaders = "Invalid authentication headers.";

    public static DataservResponse Index() => DataservResponse.Text(200, "Hello World.");

    public async Task<DataservResponse> RegisterAsync(string btcAddr, string payoutAddr, string? authorization, string? date, CancellationToken cancellationToken)
    {
        const string failed = "Registration Failed: ";
        if (Refusal(btcAddr, authorization, date, failed + InvalidAddress, failed + InvalidHeaders) is { } refusal)
        {
            return refusal;
        }

        if (!DataservAddress.IsValid(payoutAddr))
        {
            return DataservResponse.Text(400, failed + InvalidAddress);
        }

        var farmer = await farmers.RegisterAsync(btcAddr, payoutAddr, time.Micros(), cancellationToken).ConfigureAwait(false);
        if (farmer is null)
        {
            return DataservResponse.Text(409, failed + "Address already is registered.");
        }

        // json.dumps of the new row, one line: not jsonify, so no sorting and no indent.
        var body = new PyObject(new Dictionary<string, PyValue>
        {
            ["btc_addr"] = farmer.BtcAddr,
            ["payout_addr"] = farmer.PayoutAddr,
            ["last_seen"] = 0L,
            ["height"] = (long)farmer.Height,
        });
        return DataservResponse.Text(200, RowJson(body));
    }

    public async Task<DataservResponse> PingAsync(string btcAddr, string? authorization, string? date, CancellationToken cancellationToken)
    {
        const string failed = "Ping Failed: ";
        if (Refusal(btcAddr, authorization, date, failed + InvalidAddress, failed + InvalidHeaders) is { } refusal)
        {
            return refusal;
        }

        var now = time.Micros();
        var known = await farmers.PingAsync(btcAddr, now, lastSeen => HubClock.SecondsWithinDay(now, lastSeen) >= options.MaxPingSeconds, cancellationToken)
            .ConfigureAwait(false);
        return known ? DataservResponse.Text(200, "Ping accepted.") : DataservResponse.Text(404, failed + "Farmer not found.");
    }

    /// <param name="height">The route's digits, already known to be one or more decimal digits.</param>
    public async Task<DataservResponse> HeightAsync(string btcAddr, string height, string? authorization, string? date, CancellationToken cancellationToken)
    {
        if (Refusal(btcAddr, authorization, date, InvalidAddress, "Set height failed: " + InvalidHeaders) is { } refusal)
        {
            return refusal;
        }

        if (DigitsValue(height) is not int value || value >= HeightLimit)
        {
            return DataservResponse.Text(413, "Height limit exceeded.");
        }

        return await farmers.SetHeightAsync(btcAddr, value, time.Micros(), cancellationToken).ConfigureAwait(false)
            ? DataservResponse.Text(200, "Height accepted.")
            : DataservResponse.Text(404, "Farmer not found.");
    }

    public DataservResponse Address(bool compact) =>
        DataservResponse.Json(new PyObject(new Dictionary<string, PyValue> { ["address"] = hubAddress }), compact);

    public async Task<DataservResponse> OnlineAsync(CancellationToken cancellationToken)
    {
        var (online, now) = await OnlineFarmersAsync(cancellationToken).ConfigureAwait(false);
        var text = new System.Text.StringBuilder();
        foreach (var farmer in online)
        {
            text.Append(CultureInfo.InvariantCulture, $"{farmer.PayoutAddr} |  Last Seen: {SecondsToMinutes(HubClock.SecondsWithinDay(now, farmer.LastSeenMicros))} | Height: {farmer.Height}<br/>");
        }

        return DataservResponse.Text(200, text.ToString());
    }

    public async Task<DataservResponse> OnlineJsonAsync(bool compact, CancellationToken cancellationToken)
    {
        var (online, now) = await OnlineFarmersAsync(cancellationToken).ConfigureAwait(false);
        return new DataservResponse(200, DataservResponse.JsonType, true, FarmerListJson.Render(online, now, compact));
    }

    public async Task<DataservResponse> TotalAsync(bool compact, CancellationToken cancellationToken)
    {
        var (online, now) = await OnlineFarmersAsync(cancellationToken).ConfigureAwait(false);
        var heights = online.Sum(f => (long)f.Height);
        return DataservResponse.Json(
            new PyObject(new Dictionary<string, PyValue>
            {
                ["id"] = now / HubClock.MicrosPerSecond / 1800,
                ["total_TB"] = new PyFloat(TotalTerabytes(heights)),
                ["total_farmers"] = (long)online.Count,
            }),
            compact,
            cors: true);
    }

    /// <summary>
    /// dataserv's <c>round(heights × 128 MiB / 1024⁴, 2)</c>. The quotient heights/8192 is exact in
    /// decimal, so rounding it half-to-even there matches Python's correctly rounded <c>round</c>.
    /// </summary>
    public static decimal TotalTerabytes(long heights) => decimal.Round(heights / 8192m, 2, MidpointRounding.ToEven);

    /// <summary>dataserv's <c>secs_to_mins</c>.</summary>
    public static string SecondsToMinutes(long seconds) => seconds switch
    {
        < 60 => $"{seconds} second(s)",
        < 3600 => $"{seconds / 60} minute(s)",
        _ => $"{seconds / 3600} hour(s)",
    };

    // Steps (a) and (b) of every farmer route: the address, then the signed headers. A malformed
    // Authorization is a 400 with the address text, as dataserv's auth library made it.
    private DataservResponse? Refusal(string btcAddr, string? authorization, string? date, string invalidAddress, string invalidHeaders)
    {
        if (!DataservAddress.IsValid(btcAddr))
        {
            return DataservResponse.Text(400, invalidAddress);
        }

        return authenticator.Check(btcAddr, authorization, date) switch
        {
            AuthOutcome.Malformed => DataservResponse.Text(400, invalidAddress),
            AuthOutcome.Refused => DataservResponse.Text(401, invalidHeaders),
            _ => null,
        };
    }

    private async Task<(IReadOnlyList<Farmer> Online, long Now)> OnlineFarmersAsync(CancellationToken cancellationToken)
    {
        var now = time.Micros();
        var online = await farmers.OnlineAsync(now - (options.OnlineWindowSeconds * HubClock.MicrosPerSecond), cancellationToken).ConfigureAwait(false);
        return (online, now);
    }

    // The register body keeps the row's key order (Python 3.4 dicts had none; this is the spec's).
    private static string RowJson(PyObject row) =>
        "{" + string.Join(", ", row.Members.Select(m => PythonJson.Dumps(new PyString(m.Key), false) + ": " + PythonJson.Dumps(m.Value, false))) + "}";

    // The value of a string of decimal digits (any script's, as Python's \d took them), or null when it is 200000 or more.
    private static int? DigitsValue(string digits)
    {
        long value = 0;
        foreach (var c in digits)
        {
            value = (value * 10) + CharUnicodeInfo.GetDecimalDigitValue(c);
            if (value >= HeightLimit)
            {
                return null;
            }
        }

        return (int)value;
    }
}
