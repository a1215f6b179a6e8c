using System.Globalization;
using Granary.Hub.Dataserv;

namespace Granary.Hub.Downstream;

/// <summary>How <c>/status/list/…</c> was asked to order and cut the farmers.</summary>
internal sealed record StatusQuery(bool OnlineOnly, string? SortBy, bool Descending, long? Limit, long Page);

internal sealed partial class DownstreamApi
{
    private static readonly string[] SortKeys = ["id", "address", "uptime", "heartbeats", "contracts", "size", "online"];

    /// <summary><c>GET /status/list/…</c>: the farmers, each with its online contracts and uptime percentage.</summary>
    public async Task<DataservResponse> ListAsync(StatusQuery query, bool compact, CancellationToken cancellationToken)
    {
        if (query.SortBy is { } sortBy && Array.IndexOf(SortKeys, sortBy) < 0)
        {
            return Error(400, "Invalid sort.", compact);
        }

        var now = time.Micros();
        var rows = (await store.FarmersAsync(cancellationToken).ConfigureAwait(false))
            .Select(farmer => new FarmerStatus(farmer.Token, farmer.Contracts, now))
            .Where(status => !query.OnlineOnly || status.Online)
            .ToList();
        if (query.SortBy is { } key)
        {
            Comparison<FarmerStatus> compare = key switch
            {
                "address" => (a, b) => string.CompareOrdinal(a.Token.Address, b.Token.Address),
                "uptime" => (a, b) => a.UptimePercent.CompareTo(b.UptimePercent),
                "heartbeats" => (a, b) => a.Token.Heartbeats.CompareTo(b.Token.Heartbeats),
                "contracts" => (a, b) => a.OnlineContracts.CompareTo(b.OnlineContracts),
                "size" => (a, b) => a.OnlineBytes.CompareTo(b.OnlineBytes),
                "online" => (a, b) => a.Online.CompareTo(b.Online),
                _ => (a, b) => a.Token.Id.CompareTo(b.Token.Id),
            };
            var ordered = query.Descending ? rows.OrderByDescending(r => r, Comparer<FarmerStatus>.Create(compare)) : rows.OrderBy(r => r, Comparer<FarmerStatus>.Create(compare));
            rows = [.. ordered.ThenBy(r => r.Token.Id)];
        }

        IEnumerable<FarmerStatus> page = rows;
        if (query.Limit is { } limit)
        {
            // limit × page as the node computes it, without overflowing: past the end is simply empty.
            var beyond = query.Page > 0 && limit > (rows.Count - 1) / query.Page;
            page = beyond || limit * query.Page >= rows.Count ? [] : rows.Skip((int)(limit * query.Page)).Take((int)Math.Min(limit, int.MaxValue));
        }

        var farmers = page.Select(status => (PyValue)Object(
            ("id", status.Token.FarmerId),
            ("address", status.Token.Address),
            ("location", Location),
            ("uptime", new PyFloat(Round2(status.UptimePercent))),
            ("heartbeats", status.Token.Heartbeats),
            ("contracts", status.OnlineContracts),
            ("last_due", status.LastDueMicros is { } due ? new PyString(HubClock.ToInstant(due).ToString("r", CultureInfo.InvariantCulture)) : PyNull.Value),
            ("size", status.OnlineBytes),
            ("online", status.Online ? 1 : 0))).ToList();
        return Json(200, Object(("farmers", new PyList(farmers))), compact);
    }

    /// <summary><c>GET /status/show/&lt;farmer id&gt;</c>: one farmer, counting all its contracts.</summary>
    public async Task<DataservResponse> ShowAsync(string farmerId, bool compact, CancellationToken cancellationToken)
    {
        var token = farmerId.Length <= 64 ? await store.FindFarmerAsync(farmerId, cancellationToken).ConfigureAwait(false) : null;
        if (token is null)
        {
            return Error(404, "Nonexistant farmer id.", compact);
        }

        var contracts = await store.ContractsAsync(token.Id, cancellationToken).ConfigureAwait(false);
        var status = new FarmerStatus(token, [.. contracts], time.Micros());
        return Json(200, Object(
            ("id", token.FarmerId),
            ("address", token.Address),
            ("location", Location),
            // The node's bug, kept: online seconds times 100, not a percentage.
            ("uptime", new PyFloat(Round2(status.OnlineSeconds * 100))),
            ("heartbeats", token.Heartbeats),
            ("contracts", contracts.Count),
            ("last_due", status.LastDueMicros is { } due ? new PyString(IsoFormat(due)) : PyNull.Value),
            ("size", contracts.Sum(c => c.Size)),
            ("online", new PyBool(status.Online))), compact);
    }

    // No GeoIP database: every field unknown, as the node answered without one.
    private static PyObject Location => Object(("country", PyNull.Value), ("state", PyNull.Value), ("city", PyNull.Value), ("zip", PyNull.Value), ("lat", PyNull.Value), ("lon", PyNull.Value));

    private static decimal Round2(double value) => Math.Round((decimal)value, 2, MidpointRounding.ToEven);

    // Python's datetime.isoformat(): microseconds only when there are some.
    private static string IsoFormat(long micros)
    {
        var instant = HubClock.ToInstant(micros).UtcDateTime;
        return instant.ToString(micros % HubClock.MicrosPerSecond == 0 ? "yyyy-MM-ddTHH:mm:ss" : "yyyy-MM-ddTHH:mm:ss.ffffff", CultureInfo.InvariantCulture);
    }
}
