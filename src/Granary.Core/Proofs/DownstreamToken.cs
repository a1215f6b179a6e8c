using System.Security.Cryptography;

namespace Granary.Core.Proofs;

/// <summary>
/// A downstream farmer's token and public farmer id (proofs-of-storage §2.2 step 9): the token is
/// the hex of 16 random bytes; the id shown in the status routes is the first 20 hex characters of
/// the SHA-256 of those raw bytes (not of the hex text), so it names the farmer without revealing
/// the token.
/// </summary>
public sealed class DownstreamToken
{
    public const int Size = 16;

    private const int FarmerIdLength = 20;

    public DownstreamToken(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A token is {Size} bytes, not {bytes.Length}.", nameof(bytes));
        }

        Token = Convert.ToHexStringLower(bytes);
        FarmerId = Convert.ToHexStringLower(SHA256.HashData(bytes))[..FarmerIdLength];
    }

    /// <summary>32 lowercase hex characters, the farmer's secret handle on its contracts.</summary>
    public string Token { get; }

    public string FarmerId { get; }

    public static DownstreamToken CreateRandom() => new(RandomNumberGenerator.GetBytes(Size));

    /// <summary>Reads a token as the farmer sends it; false unless it is 32 hex characters.</summary>
    public static bool TryParse(string text, out DownstreamToken? token)
    {
        token = null;
        if (text is not { Length: 2 * Size } || !text.All(char.IsAsciiHexDigitLower))
        {
            return false;
        }

        token = new DownstreamToken(Convert.FromHexString(text));
        return true;
    }
}
