using System.Globalization;
using System.Text;
using Granary.Hub.Data;

namespace Granary.Hub.Dataserv;

/// <summary>
/// The body of <c>/api/online/json</c> written straight from the farmer rows: byte for byte what
/// <see cref="PythonJson"/> makes of dataserv's <c>{"farmers": [{btc_addr, height, last_seen,
/// payout_addr}, …]}</c> (keys sorted, <c>indent=2</c> or compact), without building that model
/// and sorting every farmer's keys again (with caching off, the whole cost of the route).
/// </summary>
internal static class FarmerListJson
{
    public static byte[] Render(IReadOnlyList<Farmer> farmers, long nowMicros, bool compact)
    {
        if (farmers.Count == 0)
        {
            return Encoding.UTF8.GetBytes(compact ? "{\"farmers\": []}" : "{\n  \"farmers\": []\n}");
        }

        // Farmer lines at depth 2, their fields at depth 3.
        var (open, field, close, between) = compact
            ? ("{", ", ", "}", ", ")
            : ("\n    {\n      ", ",\n      ", "\n    }", ",");
        var text = new StringBuilder(farmers.Count * (compact ? 130 : 170));
        text.Append(compact ? "{\"farmers\": [" : "{\n  \"farmers\": [");
        for (var i = 0; i < farmers.Count; i++)
        {
            var farmer = farmers[i];
            text.Append(i == 0 ? "" : between).Append(open).Append("\"btc_addr\": ");
            PythonJson.AppendString(text, farmer.BtcAddr);
            text.Append(CultureInfo.InvariantCulture, $"{field}\"height\": {farmer.Height}{field}\"last_seen\": {HubClock.SecondsWithinDay(nowMicros, farmer.LastSeenMicros)}{field}\"payout_addr\": ");
            PythonJson.AppendString(text, farmer.PayoutAddr);
            text.Append(close);
        }

        text.Append(compact ? "]}" : "\n  ]\n}");
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
