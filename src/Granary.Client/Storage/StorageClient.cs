using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Granary.Core.Caps;
using Granary.Core.Chk;
using Granary.Core.Protocol;

namespace Granary.Client.Storage;

/// <summary>
/// Speaks the HTTP storage protocol (docs/storage-protocol.md) to one node. Every failure becomes
/// a <see cref="StorageException"/> naming the node; connections are pooled by the shared
/// <see cref="HttpClient"/>.
/// </summary>
public sealed class StorageClient(StorageUrl url, HttpClient http)
{
    private readonly string _name = $"node {url.NodeId.ToString()[..8]} ({url.Host}:{url.Port})";

    public StorageUrl Url { get; } = url;

    /// <summary>A client for many nodes at once: pooled connections, no overall timeout (callers pass tokens).</summary>
    public static HttpClient CreateHttpClient() => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 16,
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        ConnectTimeout = TimeSpan.FromSeconds(5),
        AutomaticDecompression = DecompressionMethods.None,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public Task<StorageVersion> GetVersionAsync(CancellationToken cancellationToken) =>
        SendJsonAsync<StorageVersion>(HttpMethod.Get, "version", null, null, cancellationToken);

    public Task<AllocateResult> AllocateAsync(
        StorageIndex index, IReadOnlyList<int> shares, long allocatedSize, byte[] uploadSecret, byte[] renewSecret, byte[] cancelSecret, CancellationToken cancellationToken) =>
        SendJsonAsync<AllocateResult>(
            HttpMethod.Post,
            $"immutable/{index}",
            JsonContent.Create(new AllocateRequest(shares, allocatedSize), options: StorageProtocol.Json),
            [(StorageProtocol.UploadSecret, uploadSecret), (StorageProtocol.LeaseRenewSecret, renewSecret), (StorageProtocol.LeaseCancelSecret, cancelSecret)],
            cancellationToken);

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/>; the result lists what is still missing (nothing once the share is complete).</summary>
    public Task<UploadProgress> WriteAsync(StorageIndex index, int share, long offset, ReadOnlyMemory<byte> data, byte[] uploadSecret, CancellationToken cancellationToken)
    {
        var content = new ReadOnlyMemoryContent(data);
        content.Headers.ContentRange = new ContentRangeHeaderValue(offset, offset + data.Length - 1);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return SendJsonAsync<UploadProgress>(HttpMethod.Patch, $"immutable/{index}/{Number(share)}", content, [(StorageProtocol.UploadSecret, uploadSecret)], cancellationToken);
    }

    public async Task AbortAsync(StorageIndex index, int share, byte[] uploadSecret, CancellationToken cancellationToken) =>
        await SendJsonAsync<object>(HttpMethod.Put, $"immutable/{index}/{Number(share)}/abort", null, [(StorageProtocol.UploadSecret, uploadSecret)], cancellationToken).ConfigureAwait(false);

    public Task<int[]> ListSharesAsync(StorageIndex index, CancellationToken cancellationToken) =>
        SendJsonAsync<int[]>(HttpMethod.Get, $"immutable/{index}/shares", null, null, cancellationToken);

    /// <summary>Reads <paramref name="destination"/>.Length bytes from <paramref name="offset"/> of a share; returns how many arrived (fewer at the end of the share).</summary>
    public Task<int> ReadAsync(StorageIndex index, int share, long offset, Memory<byte> destination, CancellationToken cancellationToken) =>
        ReadRangeAsync($"immutable/{index}/{Number(share)}", offset, destination, cancellationToken);

    /// <summary>
    /// Tells the node a share failed verification (and which blocks, by segment, if only some did).
    /// The node checks the share itself and removes it if it agrees; the answer says whether it did.
    /// </summary>
    public Task<CorruptionFinding> ReportCorruptionAsync(StorageIndex index, int share, string reason, IReadOnlyList<int>? blocks, CancellationToken cancellationToken) =>
        SendJsonAsync<CorruptionFinding>(
            HttpMethod.Post, $"immutable/{index}/{Number(share)}/corrupt", JsonContent.Create(new CorruptionReport(reason, blocks), options: StorageProtocol.Json), null, cancellationToken);

    /// <summary>
    /// Asks the node to prove it holds blocks <paramref name="blocks"/> (segment numbers, 1 to
    /// <see cref="ShareProof.MaxBlocks"/>, distinct) of an immutable share: the blocks and the hash-tree
    /// nodes that lead from them to the share root. The answer is parsed, not verified (see
    /// <see cref="ShareProofVerifier"/>); a body over <paramref name="maxBytes"/> or one that is not a
    /// well-formed proof is a <see cref="StorageException"/>, as is 404 when the node holds no such share.
    /// </summary>
    public Task<ShareProof> ReadProofAsync(StorageIndex index, int share, IReadOnlyList<int> blocks, int maxBytes, CancellationToken cancellationToken) =>
        ReadProofAsync(index, share, blocks, maxBytes, null, static proof => proof, cancellationToken);

    /// <summary>
    /// As <see cref="ReadProofAsync(StorageIndex, int, IReadOnlyList{int}, int, CancellationToken)"/>, but the
    /// answer is read into a pooled buffer and handed to <paramref name="judge"/>, whose result is returned;
    /// the proof must not outlive <paramref name="judge"/> (an auditor making many audits of large blocks).
    /// </summary>
    public Task<T> ReadProofAsync<T>(StorageIndex index, int share, IReadOnlyList<int> blocks, int maxBytes, Func<ShareProof, T> judge, CancellationToken cancellationToken) =>
        ReadProofAsync(index, share, blocks, maxBytes, System.Buffers.ArrayPool<byte>.Shared, judge, cancellationToken);

    private async Task<T> ReadProofAsync<T>(
        StorageIndex index, int share, IReadOnlyList<int> blocks, int maxBytes, System.Buffers.ArrayPool<byte>? pool, Func<ShareProof, T> judge, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(judge);
        using var request = Request(
            HttpMethod.Post, $"immutable/{index}/{Number(share)}/proof", JsonContent.Create(new ProofRequest(blocks), options: StorageProtocol.Json), null);
        using var response = await SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        if (response.Content.Headers.ContentLength is long declared && declared > maxBytes)
        {
            throw new StorageException(_name, response.StatusCode, $"answered with a {declared}-byte proof, more than the {maxBytes} bytes it could need");
        }

        var room = (int)(response.Content.Headers.ContentLength ?? maxBytes) + 1;
        var body = pool?.Rent(room) ?? new byte[room];
        try
        {
            int length;
            try
            {
                using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                length = await stream.ReadAtLeastAsync(body.AsMemory(0, room), room, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                throw new StorageException(_name, response.StatusCode, $"broke off its proof ({e.Message})", e);
            }

            if (length == room)
            {
                throw new StorageException(_name, response.StatusCode, "answered with a proof longer than it announced or could need");
            }

            return ShareProof.TryParse(body.AsMemory(0, length), out var proof, out var error)
                ? judge(proof!)
                : throw new StorageException(_name, response.StatusCode, $"answered with a proof this client cannot parse: {error}");
        }
        finally
        {
            pool?.Return(body);
        }
    }

    /// <summary>Adds or renews a lease; false when the node holds no shares of the index.</summary>
    public async Task<bool> RenewLeaseAsync(StorageIndex index, byte[] renewSecret, byte[] cancelSecret, CancellationToken cancellationToken)
    {
        try
        {
            await SendJsonAsync<object>(
                HttpMethod.Put, $"lease/{index}", null, [(StorageProtocol.LeaseRenewSecret, renewSecret), (StorageProtocol.LeaseCancelSecret, cancelSecret)], cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (StorageException e) when (e.Status == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public Task<ReadTestWriteResult> ReadTestWriteAsync(
        StorageIndex index,
        IReadOnlyDictionary<int, TestWriteVectors> vectors,
        IReadOnlyList<ReadVector> reads,
        byte[] writeEnabler,
        byte[] renewSecret,
        byte[] cancelSecret,
        CancellationToken cancellationToken) =>
        SendJsonAsync<ReadTestWriteResult>(
            HttpMethod.Post,
            $"mutable/{index}/read-test-write",
            JsonContent.Create(new ReadTestWriteRequest(vectors.ToDictionary(v => Number(v.Key), v => v.Value), reads), options: StorageProtocol.Json),
            [(StorageProtocol.WriteEnabler, writeEnabler), (StorageProtocol.LeaseRenewSecret, renewSecret), (StorageProtocol.LeaseCancelSecret, cancelSecret)],
            cancellationToken);

    /// <summary>
    /// Writes <paramref name="data"/> at <paramref name="offset"/> of a mutable share as raw bytes if
    /// every test passes (the bulk of a large share; read-test-write carries the rest).
    /// </summary>
    public async Task<bool> WriteMutableAsync(
        StorageIndex index, int share, long offset, ReadOnlyMemory<byte> data, IReadOnlyList<TestVector> tests, byte[] writeEnabler, byte[] renewSecret, byte[] cancelSecret, CancellationToken cancellationToken)
    {
        var content = new ReadOnlyMemoryContent(data);
        content.Headers.ContentRange = new ContentRangeHeaderValue(offset, offset + data.Length - 1);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var request = Request(HttpMethod.Patch, $"mutable/{index}/{Number(share)}", content,
            [(StorageProtocol.WriteEnabler, writeEnabler), (StorageProtocol.LeaseRenewSecret, renewSecret), (StorageProtocol.LeaseCancelSecret, cancelSecret)]);
        foreach (var test in tests)
        {
            request.Headers.TryAddWithoutValidation(StorageProtocol.TestHeader, string.Create(CultureInfo.InvariantCulture, $"{test.Offset} {test.Size} {Convert.ToBase64String(test.Specimen)}"));
        }

        using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var result = await response.Content.ReadFromJsonAsync<MutableWriteResult>(StorageProtocol.Json, cancellationToken).ConfigureAwait(false);
        return result?.Success ?? throw new StorageException(_name, response.StatusCode, "answered with an empty body");
    }

    public Task<int[]> ListMutableSharesAsync(StorageIndex index, CancellationToken cancellationToken) =>
        SendJsonAsync<int[]>(HttpMethod.Get, $"mutable/{index}/shares", null, null, cancellationToken);

    /// <summary>Tells the node a mutable share failed verification (advisory: the node logs it).</summary>
    public async Task ReportMutableCorruptionAsync(StorageIndex index, int share, string reason, CancellationToken cancellationToken) =>
        await SendJsonAsync<object>(
            HttpMethod.Post, $"mutable/{index}/{Number(share)}/corrupt", JsonContent.Create(new CorruptionReport(reason), options: StorageProtocol.Json), null, cancellationToken).ConfigureAwait(false);

    public Task<int> ReadMutableAsync(StorageIndex index, int share, long offset, Memory<byte> destination, CancellationToken cancellationToken) =>
        ReadRangeAsync($"mutable/{index}/{Number(share)}", offset, destination, cancellationToken);

    private async Task<int> ReadRangeAsync(string path, long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (destination.Length == 0)
        {
            return 0;
        }

        using var request = Request(HttpMethod.Get, path, null, null);
        request.Headers.Range = new RangeHeaderValue(offset, offset + destination.Length - 1);
        using var response = await SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            return 0;
        }

        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.PartialContent)
        {
            throw new StorageException(_name, response.StatusCode, "answered a ranged read without a range");
        }

        using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return await stream.ReadAtLeastAsync(destination, destination.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> SendJsonAsync<T>(HttpMethod method, string path, HttpContent? content, (string Kind, byte[] Secret)[]? secrets, CancellationToken cancellationToken)
    {
        using var request = Request(method, path, content, secrets);
        using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return default!;
        }

        try
        {
            return await response.Content.ReadFromJsonAsync<T>(StorageProtocol.Json, cancellationToken).ConfigureAwait(false)
                ?? throw new StorageException(_name, response.StatusCode, "answered with an empty body");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new StorageException(_name, response.StatusCode, "answered with JSON this client does not understand", e);
        }
    }

    private HttpRequestMessage Request(HttpMethod method, string path, HttpContent? content, (string Kind, byte[] Secret)[]? secrets)
    {
        var request = new HttpRequestMessage(method, new Uri(Url.BaseAddress, "storage/v1/" + path)) { Content = content };
        request.Headers.TryAddWithoutValidation("Authorization", Url.AuthorizationHeader);
        foreach (var (kind, secret) in secrets ?? [])
        {
            request.Headers.TryAddWithoutValidation(StorageProtocol.SecretHeader, $"{kind} {Convert.ToBase64String(secret)}");
        }

        return request;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        try
        {
            return await http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new StorageException(_name, null, $"unreachable ({e.Message})", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new StorageException(_name, null, "timed out", e);
        }
    }

    private async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string message;
        try
        {
            message = (await response.Content.ReadFromJsonAsync<ErrorBody>(StorageProtocol.Json, cancellationToken).ConfigureAwait(false))?.Error ?? "";
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or NotSupportedException or InvalidOperationException)
        {
            message = "";
        }

        throw new StorageException(_name, response.StatusCode, $"{(int)response.StatusCode} {response.ReasonPhrase}{(message.Length > 0 ? ": " + message : "")}");
    }

    private static string Number(int share) => share.ToString(CultureInfo.InvariantCulture);
}
