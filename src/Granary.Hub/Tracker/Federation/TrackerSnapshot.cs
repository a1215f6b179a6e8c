using System.Net;
using System.Text.Json;

namespace Granary.Hub.Tracker.Federation;

internal sealed record SnapshotPeer(string Guid, string Ip, long Seq, long KaSeq, long? KeepAliveAgeMs);

internal sealed record SnapshotFile(string FullHash, string Name, IReadOnlyList<ChunkSpec> Chunks, IReadOnlyList<string> Hosts);

/// <summary>
/// §9.3's snapshot: the donor's whole tracker state as JSON data (never a script), every field held
/// to the bounds of §1.2 before any of it is loaded.
/// </summary>
internal sealed record TrackerSnapshot(string Origin, long OriginSeq, IReadOnlyList<SnapshotPeer> Peers, IReadOnlyList<SnapshotFile> Files)
{
    public const string Format = "p2pflix-tracker-snapshot";
    public const int Version = 1;

    /// <summary>Parses and validates a whole <c>/new_tracker</c> answer; false with the first problem found.</summary>
    public static bool TryParse(JsonElement root, out TrackerSnapshot? snapshot, out string error)
    {
        snapshot = null;
        error = "";
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("success", out var success) || success.ValueKind != JsonValueKind.True)
        {
            error = "the answer is not a successful snapshot";
            return false;
        }

        if (!root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String || format.GetString() != Format
            || !root.TryGetProperty("version", out var version) || version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out var v) || v != Version)
        {
            error = $"not a {Format} version {Version}";
            return false;
        }

        if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
        {
            error = "data must be an object";
            return false;
        }

        if (!data.TryGetProperty("origin", out var originElement) || !TrackerRequests.TryString(originElement, out var origin) || !TrackerOptions.IsValidId(origin)
            || !TrackerRequests.TryInteger(data, "origin_seq", 0, TrackerRequests.MaxSeq, out var originSeq, out _))
        {
            error = "origin and origin_seq are required";
            return false;
        }

        if (!data.TryGetProperty("peers", out var peersElement) || peersElement.ValueKind != JsonValueKind.Array
            || !data.TryGetProperty("files", out var filesElement) || filesElement.ValueKind != JsonValueKind.Array)
        {
            error = "peers and files must be arrays";
            return false;
        }

        var peers = new List<SnapshotPeer>(peersElement.GetArrayLength());
        var guids = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var peer in peersElement.EnumerateArray())
        {
            if (peer.ValueKind != JsonValueKind.Object
                || !peer.TryGetProperty("guid", out var guidElement) || !TrackerRequests.TryString(guidElement, out var guidText)
                || TrackerRequests.NormalizeGuid(guidText) is not { } guid
                || !peer.TryGetProperty("ip", out var ipElement) || !TrackerRequests.TryString(ipElement, out var ipText) || !IPAddress.TryParse(ipText, out var ip)
                || !TrackerRequests.TryInteger(peer, "expected_seq_number", 0, TrackerRequests.MaxSeq + 1, out var seq, out _)
                || !TrackerRequests.TryInteger(peer, "ka_expected_seq_number", 0, TrackerRequests.MaxSeq + 1, out var kaSeq, out _))
            {
                error = $"peers[{index}] is not valid";
                return false;
            }

            long? age = null;
            if (peer.TryGetProperty("keep_alive_age_ms", out var ageElement) && ageElement.ValueKind != JsonValueKind.Null)
            {
                if (!TrackerRequests.TryInteger(peer, "keep_alive_age_ms", 0, TrackerRequests.MaxSeq, out var ms, out _))
                {
                    error = $"peers[{index}].keep_alive_age_ms is not valid";
                    return false;
                }

                age = ms;
            }

            if (!guids.Add(guid))
            {
                error = $"peers[{index}] repeats a guid";
                return false;
            }

            peers.Add(new SnapshotPeer(guid, TrackerApi.Normalize(ip).ToString(), seq, kaSeq, age));
            index++;
        }

        var files = new List<SnapshotFile>(filesElement.GetArrayLength());
        var hashes = new HashSet<string>(StringComparer.Ordinal);
        index = 0;
        foreach (var file in filesElement.EnumerateArray())
        {
            if (!TryFile(file, guids, out var parsed, out var problem))
            {
                error = $"files[{index}]: {problem}";
                return false;
            }

            if (!hashes.Add(parsed!.FullHash))
            {
                error = $"files[{index}] repeats a hash";
                return false;
            }

            files.Add(parsed);
            index++;
        }

        snapshot = new TrackerSnapshot(origin, originSeq, peers, files);
        return true;
    }

    private static bool TryFile(JsonElement file, HashSet<string> guids, out SnapshotFile? parsed, out string error)
    {
        parsed = null;
        if (file.ValueKind != JsonValueKind.Object || !file.TryGetProperty("hosts", out var hostsElement) || hostsElement.ValueKind != JsonValueKind.Array)
        {
            error = "not an object with hosts";
            return false;
        }

        // The same rules as a client's add_file (a placeholder guid and seq satisfy the parser).
        if (!TrackerRequests.TryAddFile(file, out var request, out error, requireSeq: false))
        {
            return false;
        }

        var hosts = new List<string>(hostsElement.GetArrayLength());
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var host in hostsElement.EnumerateArray())
        {
            if (!TrackerRequests.TryString(host, out var text) || TrackerRequests.NormalizeGuid(text) is not { } guid || !guids.Contains(guid) || !seen.Add(guid))
            {
                error = "a host is not one of the snapshot's peers (or appears twice)";
                return false;
            }

            hosts.Add(guid);
        }

        if (hosts.Count == 0)
        {
            error = "a file without hosts";
            return false;
        }

        parsed = new SnapshotFile(request!.FullHash, request.Name, request.Chunks, hosts);
        return true;
    }
}
