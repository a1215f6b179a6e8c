using System.Collections.Concurrent;

namespace Granary.Hub.Dataserv;

/// <summary>
/// Flask-Cache's <c>cached()</c> as dataserv used it (spec §7): whole responses kept per request path
/// (query and headers ignored, so the first requester's rendering is served to all) for a fixed
/// lifetime from when they were stored. While an entry is being computed, other requests for it
/// wait for that one computation rather than all querying the database at once. A failed
/// computation is not kept.
/// </summary>
internal sealed class ResponseCache(TimeProvider time, TimeSpan lifetime)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public bool Enabled => lifetime > TimeSpan.Zero;

    public async Task<DataservResponse> GetAsync(string path, Func<Task<DataservResponse>> compute)
    {
        if (lifetime <= TimeSpan.Zero)
        {
            return await compute().ConfigureAwait(false);
        }

        var now = time.GetUtcNow();
        if (!_entries.TryGetValue(path, out var entry) || now >= entry.Expires)
        {
            var fresh = new Entry(new Lazy<Task<DataservResponse>>(compute), now + lifetime);
            entry = _entries.AddOrUpdate(path, fresh, (_, old) => now >= old.Expires ? fresh : old);
        }

        try
        {
            return await entry.Response.Value.ConfigureAwait(false);
        }
        catch
        {
            _entries.TryRemove(new KeyValuePair<string, Entry>(path, entry));
            throw;
        }
    }

    private sealed record Entry(Lazy<Task<DataservResponse>> Response, DateTimeOffset Expires);
}
