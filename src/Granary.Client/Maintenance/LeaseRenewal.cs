using Granary.Client.Storage;
using Granary.Core.Caps;

namespace Granary.Client.Maintenance;

/// <summary>
/// Tahoe's add-lease: after a check, this client adds (or renews) its lease on every server found
/// holding shares, so that a server expiring unleased shares keeps them another lease period.
/// </summary>
internal static class LeaseRenewal
{
    public static async Task<int> RenewAsync(GranaryClient client, CheckReport report, CancellationToken cancellationToken)
    {
        if (report.IsLiteral || !StorageIndex.TryParse(report.StorageIndex, out var index, out _))
        {
            return 0;
        }

        var holders = report.Holdings.Select(h => h.Server).ToHashSet();
        var leases = client.Secrets.Leases;
        var renewed = await Task.WhenAll(client.Grid.Servers.Where(s => holders.Contains(s.Url.NodeId)).Select(async server =>
        {
            var node = server.Url.NodeId;
            try
            {
                return await client.Grid.WithDeadlineAsync(
                    server, ct => server.RenewLeaseAsync(index, leases.RenewSecret(index, node.Bytes), leases.CancelSecret(index, node.Bytes), ct), cancellationToken).ConfigureAwait(false);
            }
            catch (StorageException)
            {
                return false; // a server that does not answer now is one whose lease the next check renews
            }
        })).ConfigureAwait(false);
        return renewed.Count(r => r);
    }
}
