using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Granary.Storage.Leases;

/// <summary>
/// The leases on a bucket or slot, in a small versioned JSON file beside its shares. A lease is the
/// SHA-256 of its renew and cancel secrets (never the secrets) and an expiry; presenting the same
/// renew secret again extends that lease rather than adding one. Files are replaced atomically.
/// </summary>
internal sealed class LeaseStore(TimeProvider time, TimeSpan duration)
{
    /// <summary>A bound on leases per bucket, so one bucket's file cannot grow without limit.</summary>
    public const int MaxLeases = 256;

    private const int FileVersion = 1;

    /// <summary>A renewal that would move an expiry by less than this is not written.</summary>
    private const long RenewalGranularitySeconds = 3600;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Lock[] _locks = [.. Enumerable.Range(0, 64).Select(_ => new Lock())];

    /// <summary>Adds a lease or renews the one with the same renew secret; false when the bucket already carries too many.</summary>
    public bool AddOrRenew(string leasesFile, ReadOnlySpan<byte> renewSecret, ReadOnlySpan<byte> cancelSecret)
    {
        var renew = Convert.ToHexStringLower(SHA256.HashData(renewSecret));
        var cancel = Convert.ToHexStringLower(SHA256.HashData(cancelSecret));
        var now = time.GetUtcNow();
        var expires = (now + duration).ToUnixTimeSeconds();
        lock (LockFor(leasesFile))
        {
            var leases = ReadLeases(leasesFile) ?? [];
            var existing = leases.FindIndex(l => CryptographicOperations.FixedTimeEquals(Convert.FromHexString(l.Renew), Convert.FromHexString(renew)));
            if (existing >= 0)
            {
                // Renewed within the hour already (every write of a publish renews): nothing worth a file write.
                if (expires - leases[existing].Expires < RenewalGranularitySeconds)
                {
                    return true;
                }

                leases[existing] = leases[existing] with { Expires = expires };
            }
            else
            {
                leases.RemoveAll(l => l.Expires < now.ToUnixTimeSeconds());
                if (leases.Count >= MaxLeases)
                {
                    return false;
                }

                leases.Add(new LeaseRecord(renew, cancel, expires));
            }

            Write(leasesFile, leases);
            return true;
        }
    }

    /// <summary>
    /// The latest expiry among a bucket's leases; null when it has no readable lease (a missing or
    /// broken lease file is never a reason to delete).
    /// </summary>
    public DateTimeOffset? LatestExpiry(string leasesFile)
    {
        lock (LockFor(leasesFile))
        {
            var leases = ReadLeases(leasesFile);
            return leases is null || leases.Count == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(leases.Max(l => l.Expires));
        }
    }

    private static List<LeaseRecord>? ReadLeases(string leasesFile)
    {
        try
        {
            var file = JsonSerializer.Deserialize<LeaseFile>(File.ReadAllBytes(leasesFile), Json);
            return file?.Version == FileVersion ? file.Leases?.Where(l => l is { Renew.Length: 64, Cancel.Length: 64 }).ToList() : null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    private static void Write(string leasesFile, List<LeaseRecord> leases)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(leasesFile)!);
        var temporary = leasesFile + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, new LeaseFile(FileVersion, leases), Json);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, leasesFile, overwrite: true);
    }

    private Lock LockFor(string path) => _locks[(uint)StringComparer.Ordinal.GetHashCode(path) % _locks.Length];

    private sealed record LeaseFile(int Version, List<LeaseRecord>? Leases);

    private sealed record LeaseRecord(
        [property: JsonPropertyName("renew")] string Renew,
        [property: JsonPropertyName("cancel")] string Cancel,
        [property: JsonPropertyName("expires")] long Expires);
}
