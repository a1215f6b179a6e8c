using System.Text.Json;

namespace Granary.Core.Tests.Proofs;

/// <summary>
/// test/vectors/proofs-of-storage-kat.json and dataserv-kat.json: values from running heartbeat,
/// RandomIO, partialhash, file-encryptor and dataserv-client themselves.
/// </summary>
internal static class ProofVectors
{
    private static readonly Lazy<JsonElement> ProofsRoot = new(() => Load("proofs-of-storage-kat.json"));
    private static readonly Lazy<JsonElement> DataservRoot = new(() => Load("dataserv-kat.json"));

    public static JsonElement Proofs => ProofsRoot.Value;

    public static JsonElement Dataserv => DataservRoot.Value;

    public static JsonElement Merkle(string name) => Proofs.GetProperty("merkle").GetProperty(name);

    public static byte[] Bytes(this JsonElement element, string name) => Convert.FromHexString(element.GetProperty(name).GetString()!);

    public static byte[] Base64(this JsonElement element, string name) => Convert.FromBase64String(element.GetProperty(name).GetString()!);

    public static string Text(this JsonElement element, string name) => element.GetProperty(name).GetString()!;

    private static JsonElement Load(string file) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Vectors", file))).RootElement;
}
