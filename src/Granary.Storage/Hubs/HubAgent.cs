using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Granary.Hosting;
using Granary.Core.Protocol;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Granary.Storage.Hubs;

/// <summary>
/// Keeps the node known to each of its hubs: registers it as a dataserv farmer (its address, the
/// payout address), sets its height (capacity in 128 MiB shards), pings within MAX_PING, and
/// announces its storage URL to the hub's introducer, renewing well before the announcement lapses.
/// </summary>
/// <remarks>
/// Each hub is served by its own loop, so one unreachable hub never delays another. A hub that
/// fails is retried with growing pauses (up to a minute); one that forgot the node (a ping answered
/// 404) gets the node registered again. Sequence numbers are milliseconds of the node's clock, so
/// they keep rising across restarts without any state on disk.
/// </remarks>
internal sealed class HubAgent(
    NodeDirectory directory, SpaceAccounting space, TimeProvider time, IHostApplicationLifetime lifetime, Func<StorageUrl> url, ILogger<HubAgent> logger) : BackgroundService
{
    /// <summary>dataserv's shard size: heights count 128 MiB units.</summary>
    private const long ShardBytes = 128L << 20;

    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2) }) { Timeout = TimeSpan.FromSeconds(15) };

    private long _lastSequence;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = directory.Options;
        if (options.Hubs.Count == 0)
        {
            return;
        }

        // The storage URL names the port the node really listens on, known once the server is up.
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            await started.Task.ConfigureAwait(false);
        }

        await Task.WhenAll(options.Hubs.Select(hub => ServeAsync(new Uri(hub.EndsWith('/') ? hub : hub + "/"), stoppingToken))).ConfigureAwait(false);
    }

    private async Task ServeAsync(Uri hub, CancellationToken cancellationToken)
    {
        var options = directory.Options;
        var pause = TimeSpan.FromSeconds(1);
        var troubled = false;
        string? hubAddress = null;
        var registered = false;
        var announceDue = DateTimeOffset.MinValue;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                hubAddress ??= await HubAddressAsync(hub, cancellationToken).ConfigureAwait(false);
                if (!registered)
                {
                    var height = Height();
                    await RegisterAsync(hub, hubAddress, height, cancellationToken).ConfigureAwait(false);
                    registered = true;
                    announceDue = await AnnounceAsync(hub, cancellationToken).ConfigureAwait(false);
                    StorageLog.HubJoined(logger, hub.ToString(), directory.Key.Address.ToString(), height, url().BaseAddress.ToString());
                }
                else
                {
                    registered = await PingAsync(hub, hubAddress, cancellationToken).ConfigureAwait(false);
                    if (time.GetUtcNow() >= announceDue)
                    {
                        announceDue = await AnnounceAsync(hub, cancellationToken).ConfigureAwait(false);
                    }
                }

                if (troubled)
                {
                    StorageLog.HubBack(logger, hub.ToString());
                    troubled = false;
                }

                pause = TimeSpan.FromSeconds(1);
                if (registered)
                {
                    var untilAnnounce = announceDue - time.GetUtcNow();
                    var ping = TimeSpan.FromSeconds(options.HubPingSeconds);
                    await Task.Delay(untilAnnounce > TimeSpan.Zero && untilAnnounce < ping ? untilAnnounce : ping, time, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is HttpRequestException or HubRefusedException or JsonException
                || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                StorageLog.HubTrouble(logger, hub.ToString(), e is TaskCanceledException ? "no answer in time" : e.Message, (int)pause.TotalSeconds);
                troubled = true;
                hubAddress = e is HubRefusedException ? null : hubAddress;
                await Task.Delay(pause, time, cancellationToken).ConfigureAwait(false);
                pause = TimeSpan.FromSeconds(Math.Min(60, pause.TotalSeconds * 2));
            }
        }
    }

    private int Height() => (int)Math.Min(space.Capacity / ShardBytes, 199_999);

    private static async Task<string> HubAddressAsync(Uri hub, CancellationToken cancellationToken)
    {
        using var response = await Http.GetAsync(new Uri(hub, "api/address"), cancellationToken).ConfigureAwait(false);
        await EnsureAsync(response, "asking for its address", cancellationToken).ConfigureAwait(false);
        var address = (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken).ConfigureAwait(false)).GetProperty("address").GetString();
        return address is { Length: > 0 } ? address : throw new HubRefusedException("its /api/address names no address");
    }

    private async Task RegisterAsync(Uri hub, string hubAddress, int height, CancellationToken cancellationToken)
    {
        var address = directory.Key.Address.ToString();
        var payout = string.IsNullOrEmpty(directory.Options.PayoutAddress) ? address : directory.Options.PayoutAddress;
        using (var register = await SignedGetAsync(hub, $"api/register/{address}/{payout}", hubAddress, cancellationToken).ConfigureAwait(false))
        {
            if (register.StatusCode != HttpStatusCode.Conflict)
            {
                await EnsureAsync(register, "registering", cancellationToken).ConfigureAwait(false);
            }
        }

        using var heightResponse = await SignedGetAsync(hub, $"api/height/{address}/{height.ToString(CultureInfo.InvariantCulture)}", hubAddress, cancellationToken).ConfigureAwait(false);
        await EnsureAsync(heightResponse, "setting the height", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Pings; false when the hub no longer knows the node (so it registers again).</summary>
    private async Task<bool> PingAsync(Uri hub, string hubAddress, CancellationToken cancellationToken)
    {
        using var response = await SignedGetAsync(hub, $"api/ping/{directory.Key.Address}", hubAddress, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        await EnsureAsync(response, "pinging", cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Announces the storage URL; returns when to announce again (a third of the way to expiry).</summary>
    private async Task<DateTimeOffset> AnnounceAsync(Uri hub, CancellationToken cancellationToken)
    {
        var sequence = Math.Max(time.GetUtcNow().ToUnixTimeMilliseconds(), Interlocked.Read(ref _lastSequence) + 1);
        Interlocked.Exchange(ref _lastSequence, sequence);
        var announcement = Announcement.Create(directory.Key, url(), space.Capacity, space.Available, GranaryWebApp.ApplicationVersion, sequence);
        using var response = await Http.PostAsJsonAsync(new Uri(hub, IntroducerProtocol.AnnouncePath), announcement, IntroducerProtocol.Json, cancellationToken).ConfigureAwait(false);
        await EnsureAsync(response, "announcing", cancellationToken).ConfigureAwait(false);
        var result = await response.Content.ReadFromJsonAsync<AnnounceResult>(IntroducerProtocol.Json, cancellationToken).ConfigureAwait(false)
            ?? throw new HubRefusedException("its answer to the announcement was empty");
        return time.GetUtcNow() + (TimeSpan.FromSeconds(result.TtlSeconds) / 3);
    }

    private async Task<HttpResponseMessage> SignedGetAsync(Uri hub, string path, string hubAddress, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(hub, path));
        var (date, authorization) = DataservAuthentication.Headers(directory.Key.PrivateKey, hubAddress, time.GetUtcNow());
        request.Headers.TryAddWithoutValidation("Date", date);
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        return await Http.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string doing, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new HubRefusedException($"{doing} was answered {(int)response.StatusCode}: {(body.Length > 200 ? body[..200] + "…" : body)}");
        }
    }

    private sealed class HubRefusedException(string message) : Exception(message);
}
