using System.Globalization;
using System.Text;

namespace Granary.Hub.Tracker;

/// <summary>
/// The tracker's error texts, exactly as §11 of the spec gives them. Client input is echoed at
/// most 128 characters long, and a message never exceeds 1 KiB.
/// </summary>
internal static class TrackerText
{
    public const int MaxEcho = 128;

    public const string NotJson = "Request is not JSON";
    public const string Chunks = "File invalid, chunks do not match tracker version";
    public const string NoChunks = "File is invalid, has no chunks";
    public const string NoOnline = "File has no hosting peers currently online";
    public const string SyncUnexpected = "Unexpected error";
    public const string AuthFailed = "Tracker authentication failed";
    public const string OutOfOrder = "Event out of order";
    public const string TooLarge = "Request body too large";
    public const string NotFound = "Not Found";
    public const string MethodNotAllowed = "Method Not Allowed";
    public const string Unavailable = "Tracker storage is temporarily unavailable";
    public const string RateLimited = "Too many requests from this address; try again later";
    public const string Resyncing = "Tracker is loading a snapshot; try again shortly";

    public static string Seq(long expected, long sent) =>
        string.Create(CultureInfo.InvariantCulture, $"Tracker is expecting sequence number {expected} (sequence number {sent} was sent)");

    public static string KaSeq(long expected, long sent) =>
        string.Create(CultureInfo.InvariantCulture, $"Tracker is expecting keep_alive sequence number {expected} (sequence number {sent} was sent)");

    public static string NoPeer(string guid) => $"Peer with guid {Echo(guid)} does not exist";

    public static string Duplicate(string guid) => $"Peer with guid {Echo(guid)} (you) is already hosting this file";

    public static string NotHostingId(string guid, long fileId) =>
        string.Create(CultureInfo.InvariantCulture, $"No peer with guid {Echo(guid)} is currently hosting file with id {fileId}");

    public static string NotHostingHash(string guid, string hash) => $"No peer with guid {Echo(guid)} is currently hosting file with hash {Echo(hash)}";

    public static string StatusUnknown(string guid) => $"No peer with guid {Echo(guid)} is known to tracker";

    public static string FileId(string id) => $"File with id {Echo(id)} does not exist";

    public static string FileHash(string hash) => $"File with hash {Echo(hash)} does not exist";

    public static string Invalid(string reason) => "Invalid request: " + reason;

    /// <summary>At most <see cref="MaxEcho"/> characters of client text, with control characters shown as escapes.</summary>
    public static string Echo(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, MaxEcho) + 8);
        var shown = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (shown == MaxEcho)
            {
                return builder.Append('…').ToString();
            }

            if (rune.Value < 0x20 || rune.Value == 0x7f)
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\x{rune.Value:x2}");
            }
            else
            {
                builder.Append(rune.ToString());
            }

            shown++;
        }

        return builder.ToString();
    }
}
