using Granary.Core.Caps;
using Granary.Core.Hashing;

namespace Granary.Core.Leases;

/// <summary>
/// Tahoe-LAFS's derivation of the renew and cancel secrets a client presents for a lease on one
/// server's shares of one file (chk-format §11). A client keeps one random lease secret; each server
/// contributes a 20-byte lease seed; the results differ per file and per server, so a server cannot
/// use what it sees to renew or cancel leases elsewhere.
/// </summary>
public sealed class LeaseSecrets
{
    public const int LeaseSeedSize = 20;

    private readonly byte[] _clientRenewal;
    private readonly byte[] _clientCancel;

    public LeaseSecrets(ReadOnlySpan<byte> leaseSecret)
    {
        // The client secret is the tag and the tag string is the value: Tahoe's order, not a typo.
        var tag = new HashTag(leaseSecret);
        _clientRenewal = tag.Hash("allmydata_client_renewal_secret_v1"u8);
        _clientCancel = tag.Hash("allmydata_client_cancel_secret_v1"u8);
    }

    public byte[] FileRenewalSecret(StorageIndex storageIndex) => HashTag.FileRenewal.HashPair(_clientRenewal, storageIndex.Bytes);

    public byte[] FileCancelSecret(StorageIndex storageIndex) => HashTag.FileCancel.HashPair(_clientCancel, storageIndex.Bytes);

    /// <summary>The secret that renews the lease on <paramref name="storageIndex"/>'s shares at the server with <paramref name="leaseSeed"/>.</summary>
    public byte[] RenewSecret(StorageIndex storageIndex, ReadOnlySpan<byte> leaseSeed) =>
        HashTag.BucketRenewal.HashPair(FileRenewalSecret(storageIndex), RequireSeed(leaseSeed));

    /// <summary>The secret that cancels the lease on <paramref name="storageIndex"/>'s shares at the server with <paramref name="leaseSeed"/>.</summary>
    public byte[] CancelSecret(StorageIndex storageIndex, ReadOnlySpan<byte> leaseSeed) =>
        HashTag.BucketCancel.HashPair(FileCancelSecret(storageIndex), RequireSeed(leaseSeed));

    private static ReadOnlySpan<byte> RequireSeed(ReadOnlySpan<byte> leaseSeed) =>
        leaseSeed.Length == LeaseSeedSize
            ? leaseSeed
            : throw new ArgumentException($"A lease seed is {LeaseSeedSize} bytes (a server's id), not {leaseSeed.Length}.", nameof(leaseSeed));
}
