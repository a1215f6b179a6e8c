using System.Security.Cryptography;
using Granary.Core.Identity;

namespace Granary.Dht.Security;

/// <summary>
/// Signs the datagrams a node sends and checks those it receives, so that the sender id a datagram
/// carries is the id of the key that signed it.
/// </summary>
internal interface IDatagramSigner
{
    NodeId Id { get; }

    /// <summary>Bytes the signature adds to every datagram (0 when datagrams are not signed).</summary>
    int SignatureSize { get; }

    void Sign(ReadOnlySpan<byte> data, Span<byte> signature);

    /// <summary>Whether <paramref name="signature"/> over <paramref name="data"/> is by the key whose id is <paramref name="sender"/>.</summary>
    bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, NodeId sender);
}

/// <summary>secp256k1 recoverable signatures over SHA-256 of the datagram: the recovered key's hash160 must be the sender id.</summary>
internal sealed class KeySigner(NodeKey key) : IDatagramSigner
{
    public const int Size = 65;

    public NodeId Id => key.NodeId;

    public int SignatureSize => Size;

    public void Sign(ReadOnlySpan<byte> data, Span<byte> signature) => key.PrivateKey.SignDigest(SHA256.HashData(data)).CopyTo(signature);

    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, NodeId sender) =>
        PublicKey.Recover(signature, SHA256.HashData(data)) is { } signer && signer.NodeId == sender;
}

/// <summary>
/// No signatures: for the in-memory network of <c>granary dht simulate</c>, where no one can forge a
/// sender and thousands of nodes would otherwise spend the run on elliptic-curve arithmetic.
/// </summary>
internal sealed class UnsignedSigner(NodeId id) : IDatagramSigner
{
    public NodeId Id => id;

    public int SignatureSize => 0;

    public void Sign(ReadOnlySpan<byte> data, Span<byte> signature)
    {
    }

    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature, NodeId sender) => true;
}
