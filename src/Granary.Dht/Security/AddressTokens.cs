using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;

namespace Granary.Dht.Security;

/// <summary>
/// Proof that a requester really receives at the address it sends from: a token this node gives
/// that address in every response (an HMAC of it under a secret that changes every five minutes),
/// which the requester shows in later requests. A requester without a valid token may get no
/// response larger than its request, so a forged source address cannot turn this node into an
/// amplifier.
/// </summary>
internal sealed class AddressTokens(TimeProvider time)
{
    private static readonly TimeSpan Epoch = TimeSpan.FromMinutes(5);
    private readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);

    public ulong Issue(IPEndPoint address) => Token(address, EpochNumber());

    public bool IsValid(IPEndPoint address, ulong token)
    {
        if (token == 0)
        {
            return false;
        }

        var epoch = EpochNumber();
        return token == Token(address, epoch) || token == Token(address, epoch - 1);
    }

    private long EpochNumber() => time.GetUtcNow().ToUnixTimeSeconds() / (long)Epoch.TotalSeconds;

    private ulong Token(IPEndPoint address, long epoch)
    {
        Span<byte> input = stackalloc byte[8 + 16 + 2];
        BinaryPrimitives.WriteInt64BigEndian(input, epoch);
        var ip = address.Address.IsIPv4MappedToIPv6 ? address.Address.MapToIPv4() : address.Address;
        ip.TryWriteBytes(input[8..], out var written);
        BinaryPrimitives.WriteUInt16BigEndian(input[(8 + written)..], (ushort)address.Port);
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_secret, input[..(8 + written + 2)], mac);
        return BinaryPrimitives.ReadUInt64BigEndian(mac) | 1; // never 0, which means "no token"
    }
}
