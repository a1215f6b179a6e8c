using Granary.Core.Formats;

namespace Granary.Core.Caps;

/// <summary>
/// <c>URI:LIT:base32(contents)</c>: a file of at most 55 bytes carried whole inside its cap, with
/// no encryption and no shares. The empty file is <c>URI:LIT:</c>.
/// </summary>
public sealed class LiteralCap : Cap
{
    public const string Prefix = "URI:LIT:";

    private readonly byte[] _data;

    public LiteralCap(ReadOnlySpan<byte> data) => _data = data.ToArray();

    public ReadOnlySpan<byte> Data => _data;

    public override string ToString() => Prefix + Base32.Encode(_data);

    internal static LiteralCap ParseFields(string fields)
    {
        if (!Base32.TryDecode(fields, out var data, out var error))
        {
            throw new CapFormatException($"The URI:LIT cap's data is not valid: {error}.");
        }

        return new LiteralCap(data);
    }
}
