using Granary.Core.Formats;
using Granary.Core.Identity;
using Granary.Core.Protocol;

namespace Granary.Hub.Dataserv;

internal enum AuthOutcome
{
    Accepted,

    /// <summary>401 with the route's "Invalid authentication headers." text.</summary>
    Refused,

    /// <summary>The Authorization header is not base64 of 65 bytes: 400 with the route's "Invalid Bitcoin address." text (a dataserv quirk).</summary>
    Malformed,
}

/// <summary>
/// Checks a farmer's signed headers in dataserv's order (spec §8.2): both present, the signature
/// decodes to 65 bytes, the Date parses and lies within the window of the hub's clock, and the
/// signature over <c>"&lt;hub address&gt; &lt;Date&gt;"</c> recovers to the key of the farmer's address.
/// Where the reference crashed with a 500 (an unparseable Date, an unrecoverable signature) this refuses.
/// </summary>
internal sealed class DataservAuthenticator(string hubAddress, TimeProvider time, TimeSpan window)
{
    public AuthOutcome Check(string btcAddr, string? authorization, string? date)
    {
        if (string.IsNullOrEmpty(authorization) || string.IsNullOrEmpty(date))
        {
            return AuthOutcome.Refused;
        }

        if (!LenientBase64.TryDecode(authorization, out var signature) || signature.Length != BitcoinMessage.SignatureSize)
        {
            return AuthOutcome.Malformed;
        }

        if (!EmailDate.TryParse(date, out var signed))
        {
            return AuthOutcome.Refused;
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        if (Math.Abs(now - signed) >= window.TotalSeconds)
        {
            return AuthOutcome.Refused;
        }

        var key = BitcoinMessage.RecoverPublicKey(signature, DataservAuthentication.SignedText(hubAddress, date));
        return key is not null && string.Equals(key.Address().ToString(), btcAddr, StringComparison.Ordinal) ? AuthOutcome.Accepted : AuthOutcome.Refused;
    }
}
