using Granary.Core.Leases;

namespace Granary.Client;

/// <summary>
/// The two secrets a client holds: the convergence secret (the same file encrypts to the same
/// shares only under the same one) and the lease secret (from which each file's lease secrets for
/// each server derive). Either may be made only when first needed, as a client directory does.
/// </summary>
public sealed class ClientSecrets(Func<byte[]> convergence, Func<byte[]> leaseSecret)
{
    private readonly Lazy<byte[]> _convergence = new(convergence);
    private readonly Lazy<LeaseSecrets> _leases = new(() => new LeaseSecrets(leaseSecret()));

    public ClientSecrets(byte[] convergence, byte[] leaseSecret)
        : this(() => convergence, () => leaseSecret)
    {
    }

    public byte[] Convergence => _convergence.Value;

    public LeaseSecrets Leases => _leases.Value;
}
