using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Granary.Core.Identity;

namespace Granary.Core.Protocol;

/// <summary>
/// The hub's introducer, shared by the nodes that announce themselves and the clients that look
/// them up (docs/hub.md): <c>POST /introducer/v1/announce</c> and <c>GET /introducer/v1/servers</c>.
/// </summary>
public static class IntroducerProtocol
{
    public const string AnnouncePath = "introducer/v1/announce";
    public const string ServersPath = "introducer/v1/servers";

    /// <summary>The longest version string an announcement may carry.</summary>
    public const int MaxVersionLength = 100;

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };
}

/// <summary>
/// A storage node telling a hub where it is and how much room it has. Signed with the node's key
/// (a bitcoin signed message over <see cref="SigningText"/>), so only the node can announce itself;
/// the sequence number must grow from one announcement to the next, so an old one cannot be
/// replayed over a newer one.
/// </summary>
public sealed record Announcement(string NodeId, string StorageUrl, long Capacity, long Available, string Version, long Sequence, string Signature)
{
    private const string Purpose = "granary-announcement-v1";

    /// <summary>Announces <paramref name="url"/>, signed with the node's key.</summary>
    public static Announcement Create(NodeKey key, StorageUrl url, long capacity, long available, string version, long sequence)
    {
        var unsigned = new Announcement(key.NodeId.ToString(), url.ToString(), capacity, available, version, sequence, "");
        return unsigned with { Signature = BitcoinMessage.Sign(key.PrivateKey, unsigned.SigningText()) };
    }

    /// <summary>The exact text the signature is over: every field but the signature, one per line.</summary>
    public string SigningText() => string.Join('\n',
        Purpose, NodeId, StorageUrl, Capacity.ToString(CultureInfo.InvariantCulture), Available.ToString(CultureInfo.InvariantCulture), Version, Sequence.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// Checks that every field makes sense, that the storage URL is the announced node's and that the
    /// node's key signed it all; otherwise says what is wrong.
    /// </summary>
    public bool TryVerify(out StorageUrl? url, out string error)
    {
        url = null;
        if (NodeId is null || StorageUrl is null || Version is null || Signature is null)
        {
            error = "nodeId, storageUrl, version and signature are all required";
            return false;
        }

        if (!Identity.NodeId.TryParse(NodeId, out var node, out var nodeError))
        {
            error = $"nodeId: {nodeError}";
            return false;
        }

        if (!Protocol.StorageUrl.TryParse(StorageUrl, out var parsed, out var urlError))
        {
            error = $"storageUrl: {urlError}";
            return false;
        }

        if (parsed!.NodeId != node)
        {
            error = "storageUrl belongs to another node than nodeId";
            return false;
        }

        if (Capacity < 0 || Available < 0 || Sequence < 0)
        {
            error = "capacity, available and sequence must not be negative";
            return false;
        }

        if (Version.Length > IntroducerProtocol.MaxVersionLength || Version.Any(char.IsControl))
        {
            error = $"version must be at most {IntroducerProtocol.MaxVersionLength} printable characters";
            return false;
        }

        PublicKey? signer;
        try
        {
            signer = BitcoinMessage.RecoverPublicKey(Signature, SigningText());
        }
        catch (FormatException e)
        {
            error = $"signature: {e.Message}";
            return false;
        }

        if (signer is null || !signer.IsCompressed || signer.NodeId != node)
        {
            error = "the signature is not the node's";
            return false;
        }

        url = parsed;
        error = "";
        return true;
    }
}

/// <summary>The hub's answer to an accepted announcement: it lapses at <c>ExpiresAt</c> unless announced again.</summary>
public sealed record AnnounceResult(long Sequence, DateTimeOffset ExpiresAt, int TtlSeconds);

/// <summary>The encoding a hub advises its clients to use.</summary>
public sealed record EncodingAdvice(int Needed, int Happy, int Total);

/// <summary>A storage node the introducer knows, as clients see it.</summary>
public sealed record AnnouncedServer(
    string NodeId, string StorageUrl, long Capacity, long Available, string Version, long Sequence, DateTimeOffset AnnouncedAt, DateTimeOffset ExpiresAt);

/// <summary><c>GET /introducer/v1/servers</c>: the live announcements and the advised encoding.</summary>
public sealed record ServerList(IReadOnlyList<AnnouncedServer> Servers, EncodingAdvice Encoding);
