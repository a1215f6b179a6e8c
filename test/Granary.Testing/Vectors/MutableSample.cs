using Granary.Core.Mutable;
using Xunit;

namespace Granary.Testing.Vectors;

/// <summary>One <c>vector</c> entry: a Tahoe key, the cap Tahoe made from it, and for three entries every intermediate value.</summary>
public sealed record CapVector(int Index, MutableFormat Format, string KeyPem, string Expected, OrderedDictionary<string, object?>? Intermediate)
{
    public override string ToString() => $"#{Index} {Format} {Expected[..20]}…";
}

/// <summary>A <c>share_kats</c> entry: shares recorded from Tahoe's publish code with the salts it used.</summary>
public sealed record ShareKat(
    string Name,
    string KeyCap,
    MutableFormat Format,
    int K,
    int N,
    ulong Seqnum,
    byte[] Plaintext,
    IReadOnlyList<byte[]> Salts,
    int Share0Length,
    IReadOnlyList<string> SignatureZeroedSha256,
    byte[]? Share0,
    ShareKatUpdate? Update)
{
    public override string ToString() => Name;
}

/// <summary>How an <c>mdmf-update-*</c> KAT's plaintext came about: an in-place write over an older version.</summary>
public sealed record ShareKatUpdate(byte[] OldPlaintext, long Offset, byte NewByte, int NewLength, string PlaintextSha256);

/// <summary>A <c>dirnode_kats</c> entry.</summary>
public sealed record DirnodeKat(
    string Name,
    string KeyCap,
    bool Immutable,
    string? DirCap,
    string? DirReadCap,
    string? DirVerifyCap,
    IReadOnlyList<DirnodeKatChild> Children,
    byte[] Packed)
{
    public override string ToString() => Name;
}

public sealed record DirnodeKatChild(string Name, string? WriteCap, string? ReadCap, object? Metadata);

public sealed record WriteEnablerKat(string Cap, string ServerNodeId, string WriteEnabler, string ClientLeaseSecret, string RenewSecret, string CancelSecret);

public sealed record ContainerKat(int SchemaVersion, string NodeId, byte[] WriteEnabler, int Length, string Sha256, byte[] Magic, byte[] Bytes);

/// <summary>The mutable-file sample (<c>tahoe-mutable-sample.yaml</c>), parsed once.</summary>
public static class MutableSample
{
    private static readonly Lazy<OrderedDictionary<string, object?>> Document = new(() =>
        MiniYaml.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", "tahoe-mutable-sample.yaml"))).AsMap());

    private static readonly Lazy<IReadOnlyList<CapVector>> CapVectorList = new(LoadCapVectors);

    public static IReadOnlyList<CapVector> CapVectors => CapVectorList.Value;

    public static IReadOnlyList<ShareKat> ShareKats => [.. Document.Value.Get("share_kats").AsList().Select(e => ReadShareKat(e.AsMap()))];

    public static IReadOnlyList<DirnodeKat> DirnodeKats => [.. Document.Value.Get("dirnode_kats").AsList().Select(e => ReadDirnodeKat(e.AsMap()))];

    public static IReadOnlyList<WriteEnablerKat> WriteEnablerKats => [.. Document.Value.Get("write_enabler_kats").AsList().Select(e =>
    {
        var m = e.AsMap();
        return new WriteEnablerKat(m.Str("cap"), m.Str("server_nodeid_base32"), m.Str("write_enabler_hex"), m.Str("client_lease_secret"), m.Str("renew_secret_hex"), m.Str("cancel_secret_hex"));
    })];

    public static IReadOnlyList<ContainerKat> ContainerKats => [.. Document.Value.Get("container_kats").AsList().Select(e =>
    {
        var m = e.AsMap();
        return new ContainerKat(m.Int("schema_version"), m.Str("nodeid_base32"), m.Hex("write_enabler_hex"), m.Int("length"), m.Str("sha256"), m.Hex("magic_hex"), m.Hex("hex"));
    })];

    /// <summary>The PEM key of the vector whose expected write cap is <paramref name="cap"/> (the KATs name keys that way).</summary>
    public static string KeyFor(string cap) => CapVectors.Single(v => v.Expected == cap).KeyPem;

    /// <summary>The sample plaintext: the base64 seed repeated and cut to the length, as in the CHK vectors.</summary>
    public static byte[] SamplePlaintext(OrderedDictionary<string, object?> sample)
    {
        var seed = Convert.FromBase64String(sample.Str("seed"));
        var data = new byte[sample.Long("length")];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = seed[i % seed.Length];
        }

        return data;
    }

    public static TheoryData<int> Indexes(int count)
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    private static IReadOnlyList<CapVector> LoadCapVectors()
    {
        var list = new List<CapVector>();
        foreach (var entry in Document.Value.Get("vector").AsList())
        {
            var map = entry.AsMap();
            var parameters = map.Get("format").AsMap().Get("params").AsMap();
            var format = parameters.Str("format") switch
            {
                "sdmf" => MutableFormat.Sdmf,
                "mdmf" => MutableFormat.Mdmf,
                var other => throw new FormatException($"Unknown format {other}."),
            };
            list.Add(new CapVector(list.Count + 1, format, parameters.Str("key"), map.Str("expected"), map.Has("intermediate") ? map.Get("intermediate").AsMap() : null));
        }

        return list;
    }

    private static ShareKat ReadShareKat(OrderedDictionary<string, object?> m)
    {
        ShareKatUpdate? update = null;
        byte[] plaintext;
        if (m.Has("update_of"))
        {
            var u = m.Get("update_of").AsMap();
            var old = SamplePlaintext(u.Get("sample").AsMap());
            var offset = u.Long("offset");
            var length = u.Int("new_data_length");
            var newByte = (byte)u.Str("new_data_byte")[0];
            plaintext = new byte[Math.Max(old.Length, offset + length)];
            old.CopyTo(plaintext, 0);
            plaintext.AsSpan((int)offset, length).Fill(newByte);
            update = new ShareKatUpdate(old, offset, newByte, length, m.Str("plaintext_sha256"));
        }
        else
        {
            plaintext = SamplePlaintext(m.Get("sample").AsMap());
        }

        return new ShareKat(
            m.Str("name"),
            m.Str("cap"),
            m.Str("format") == "sdmf" ? MutableFormat.Sdmf : MutableFormat.Mdmf,
            m.Int("k"),
            m.Int("n"),
            ulong.Parse(m.Str("seqnum"), System.Globalization.CultureInfo.InvariantCulture),
            plaintext,
            [.. m.Strings("salts_hex").Select(Convert.FromHexString)],
            m.Int("share0_length"),
            m.Strings("shares_sha256_signature_zeroed"),
            m.Has("share0_hex") ? m.Hex("share0_hex") : null,
            update);
    }

    private static DirnodeKat ReadDirnodeKat(OrderedDictionary<string, object?> m)
    {
        var children = m.Get("children").AsList().Select(c =>
        {
            var child = c.AsMap();
            return new DirnodeKatChild(child.Str("name"), child.StrOrNull("rw_uri"), child.StrOrNull("ro_uri"), child.Get("metadata"));
        }).ToList();
        return new DirnodeKat(
            m.Str("name"),
            m.Str("cap"),
            m.Has("immutable") && m.Str("immutable") == "true",
            m.Has("dir_cap") ? m.Str("dir_cap") : null,
            m.Has("dir_ro_cap") ? m.Str("dir_ro_cap") : null,
            m.Has("dir_verify_cap") ? m.Str("dir_verify_cap") : null,
            children,
            m.Hex("packed_hex"));
    }
}
