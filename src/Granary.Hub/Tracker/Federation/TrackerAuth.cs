using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Granary.Hub.Tracker.Federation;

/// <summary>
/// §9.1's request and response signatures. A request is signed over
/// <c>METHOD \n PATH \n timestamp \n nonce \n hex(SHA-256(body))</c>, a response over
/// <c>"response" \n status \n request-nonce \n timestamp \n hex(SHA-256(body))</c> (so an answer
/// cannot be replayed for another request), both as <c>v1=hex(HMAC-SHA256(key, text))</c> with the
/// key the two members share.
/// </summary>
internal static class TrackerAuth
{
    public const string SenderHeader = "X-P2PFlix-Tracker";
    public const string TimestampHeader = "X-P2PFlix-Timestamp";
    public const string NonceHeader = "X-P2PFlix-Nonce";
    public const string SignatureHeader = "X-P2PFlix-Signature";

    public static string SignRequest(byte[] key, string method, string path, long timestamp, string nonce, ReadOnlySpan<byte> body) =>
        Sign(key, string.Create(CultureInfo.InvariantCulture, $"{method}\n{path}\n{timestamp}\n{nonce}\n{BodyHash(body)}"));

    public static string SignResponse(byte[] key, int status, string requestNonce, long timestamp, ReadOnlySpan<byte> body) =>
        Sign(key, string.Create(CultureInfo.InvariantCulture, $"response\n{status}\n{requestNonce}\n{timestamp}\n{BodyHash(body)}"));

    /// <summary>A constant-time comparison of a received <c>v1=…</c> signature with the expected one.</summary>
    public static bool Matches(string? received, string expected)
    {
        if (received is null || received.Length != expected.Length)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(received), Encoding.ASCII.GetBytes(expected));
    }

    public static bool TryTimestamp(string? text, out long timestamp) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out timestamp) && text!.Length <= 12;

    private static string Sign(byte[] key, string text)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(text), mac);
        return "v1=" + Convert.ToHexStringLower(mac);
    }

    private static string BodyHash(ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(body, hash);
        return Convert.ToHexStringLower(hash);
    }
}

/// <summary>
/// Nonces seen within the replay window, per sender. Bounded: when full even after dropping the
/// expired ones, new calls are refused (fail closed) until the window moves on.
/// </summary>
internal sealed class NonceCache(TimeProvider time, TimeSpan window, int capacity = 1_000_000)
{
    private readonly ConcurrentDictionary<string, long> _seen = new(StringComparer.Ordinal);
    private long _nextSweep;

    /// <summary>Records the nonce; false when it was already seen (a replay) or the cache is full.</summary>
    public bool TryRecord(string sender, string nonce)
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        if (_seen.Count >= capacity || now >= Interlocked.Read(ref _nextSweep))
        {
            Interlocked.Exchange(ref _nextSweep, now + 10);
            foreach (var (key, expires) in _seen)
            {
                if (expires <= now)
                {
                    _seen.TryRemove(key, out _);
                }
            }

            if (_seen.Count >= capacity)
            {
                return false;
            }
        }

        // Kept for two windows: a timestamp may be up to one window in the future.
        return _seen.TryAdd(sender + "\n" + nonce, now + (2 * (long)window.TotalSeconds) + 1);
    }
}
