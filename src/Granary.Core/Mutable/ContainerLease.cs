namespace Granary.Core.Mutable;

/// <summary>
/// An occupied lease slot of a mutable container. In schema 2 the renew and cancel secrets are
/// stored as BLAKE2b-256 hashes of the secrets (<see cref="SecretsHashed"/>); in schema 1 in clear.
/// </summary>
public sealed record ContainerLease(uint Owner, uint Expiration, byte[] RenewSecret, byte[] CancelSecret, byte[] NodeId, bool SecretsHashed);
