using System.Net;
using Granary.Client.Discovery;
using Granary.Core.Protocol;
using Granary.Dht;
using Granary.Storage;
using Microsoft.Extensions.Logging;

namespace Granary.Cli;

/// <summary>
/// A storage node's presence in the DHT: it joins with its own key and publishes its storage URL
/// as the record clients look for (<see cref="DhtDiscovery"/>), which it signs, so no one can
/// publish a URL for another node.
/// </summary>
internal static partial class DhtPresence
{
    private static readonly TimeSpan RetryPause = TimeSpan.FromSeconds(10);

    /// <summary>Starts a DHT node for a storage node and keeps trying to join and publish until it has (the node republishes hourly after that).</summary>
    public static IAsyncDisposable JoinAndPublish(NodeDirectory directory, StorageUrl url, ILogger logger, CancellationToken cancellationToken)
    {
        var settings = directory.Options.Dht!;
        var host = IPAddress.TryParse(directory.Options.Host, out var address) ? address : IPAddress.Any;
        var node = DhtNode.Create(directory.Key, Commands.DhtCommand.Bind(new IPEndPoint(host, settings.Port)), logger: logger);
        node.Start();
        var seeds = settings.Bootstrap.Select(Commands.DhtCommand.ParseSeed).ToList();
        var record = DhtDiscovery.Record(directory.Key, url, DateTimeOffset.UtcNow);
        var publishing = Task.Run(async () =>
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    if (seeds.Count > 0 && node.Contacts.Count == 0)
                    {
                        await node.BootstrapAsync(seeds, cancellationToken);
                    }

                    var stored = await node.PutAsync(record, cancellationToken);
                    Published(logger, node.EndPoint.ToString(), stored);
                    if (stored > 0 || seeds.Count == 0)
                    {
                        return;
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                await Task.Delay(RetryPause, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }, CancellationToken.None);
        return new Presence(node, publishing);
    }

    [LoggerMessage(1501, LogLevel.Information, "Published the storage URL in the DHT from {EndPoint}: {Stored} nodes hold it")]
    private static partial void Published(ILogger logger, string endPoint, int stored);

    private sealed class Presence(DhtNode node, Task publishing) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await node.DisposeAsync();
            await publishing.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }
}
