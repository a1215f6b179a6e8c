using Granary.Core.Caps;
using Granary.Core.Leases;

namespace Granary.Core.Mutable;

/// <summary>
/// The three secrets a writer presents to one server for one mutable file (mutable-dirnode §3.4,
/// §3.5): the write enabler, which the server demands for every write after the first, and the
/// lease renew and cancel secrets. All are bound to the server's 20-byte node id (its tub id).
/// </summary>
public sealed record MutableSlotSecrets(byte[] WriteEnabler, byte[] RenewSecret, byte[] CancelSecret)
{
    public static MutableSlotSecrets For(MutableWriteCap cap, LeaseSecrets leaseSecrets, ReadOnlySpan<byte> serverNodeId)
    {
        ArgumentNullException.ThrowIfNull(cap);
        ArgumentNullException.ThrowIfNull(leaseSecrets);
        return new MutableSlotSecrets(
            cap.WriteEnabler(serverNodeId),
            leaseSecrets.RenewSecret(cap.StorageIndex, serverNodeId),
            leaseSecrets.CancelSecret(cap.StorageIndex, serverNodeId));
    }
}
