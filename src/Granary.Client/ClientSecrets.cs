using System.Security.Cryptography;
using Granary.Core.Identity;
using Granary.Core.Leases;

namespace Granary.Client;

/// <summary>
/// The two secrets a client holds: the convergence secret (the same file encrypts to the same
/// shares only under the same one) and the lease secret (from which each file's lease secrets for
/// each server derive). Either may be made only when first needed, as a client directory does. The
/// key that signs the client's requests to hubs' keepers derives from the lease secret, so it needs
/// no file of its own and is the same wherever the client directory is.
/// </summary>
public sealed class ClientSecrets(Func<byte[]> convergence, Func<byte[]> leaseSecret)
{
    private readonly Lazy<byte[]> _convergence = new(convergence);
    private readonly Lazy<LeaseSecrets> _leases = new(() => new LeaseSecrets(leaseSecret()));
    private readonly Lazy<PrivateKey> _keeperKey = new(() => KeeperKeyFrom(leaseSecret()));

    public ClientSecrets(byte[] convergence, byte[] leaseSecret)
        : this(() => convergence, () => leaseSecret)
    {
    }

    public byte[] Convergence => _convergence.Value;

    public LeaseSecrets Leases => _leases.Value;

    /// <summary>The key the client signs keeper requests with; its address names the client to hubs.</summary>
    public PrivateKey KeeperKey => _keeperKey.Value;

    private static PrivateKey KeeperKeyFrom(byte[] leaseSecret)
    {
        var seed = "granary keeper client key v1"u8.ToArray().Concat(leaseSecret).ToArray();
        var secret = SHA256.HashData(seed);
        while (true)
        {
            try
            {
                return PrivateKey.FromSecret(secret);
            }
            catch (FormatException)
            {
                secret = SHA256.HashData(secret); // outside the curve order: about 1 in 2^128
            }
        }
    }
}
