using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Granary.Core.Chk;
using Granary.Core.Formats;
using Granary.Core.Protocol;
using Granary.Hosting;
using Granary.Storage.Mutable;
using Granary.Storage.Shares;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Granary.Storage.Http;

/// <summary>The HTTP storage protocol, as docs/storage-protocol.md describes it.</summary>
internal static class StorageEndpoints
{
    private const int ControlBodyLimit = 64 * 1024;
    private const int MaxReadVectors = 64;
    private const int MaxReportedBlocks = 1024;

    public static IEndpointRouteBuilder MapStorageProtocol(this IEndpointRouteBuilder routes, NodeInfo node)
    {
        var v1 = routes.MapGroup("/storage/v1");
        v1.AddEndpointFilter(async (context, next) => Authorized(context.HttpContext.Request, node.Secret)
            ? await next(context).ConfigureAwait(false)
            : Results.Json(new ErrorBody($"missing or wrong 'Authorization: {StorageProtocol.AuthorizationScheme} <secret>' (the secret is the last part of the node's storage URL)"), StorageProtocol.Json, statusCode: 401));

        v1.MapGet("/version", (SpaceAccounting space, StorageNodeOptions options) => Results.Json(
            new StorageVersion(
                StorageProtocol.Version,
                node.ApplicationVersion,
                node.NodeId,
                options.MaximumImmutableShareSize,
                options.MaximumMutableShareSize,
                space.Available,
                space.Capacity,
                (long)options.LeaseDuration.TotalSeconds),
            StorageProtocol.Json));

        v1.MapPost("/immutable/{index}", AllocateAsync);
        v1.MapMethods("/immutable/{index}/{share}", ["PATCH"], WriteAsync);
        v1.MapPut("/immutable/{index}/{share}/abort", AbortAsync);
        v1.MapGet("/immutable/{index}/shares", (string index, ImmutableStore store) => Results.Json(store.List(RequestParsing.Index(index)), StorageProtocol.Json));
        v1.MapGet("/immutable/{index}/{share}", async (string index, string share, HttpContext context, ImmutableStore store) =>
        {
            using var file = store.OpenShare(RequestParsing.Index(index), RequestParsing.Share(share)) ?? throw NoSuchShare();
            await ShareReader.ServeAsync(context, file.Handle).ConfigureAwait(false);
        });
        v1.MapPost("/immutable/{index}/{share}/corrupt", ReportCorruptionAsync);
        v1.MapPost("/immutable/{index}/{share}/proof", ProveAsync);
        v1.MapPut("/lease/{index}", RenewLease);
        v1.MapPost("/mutable/{index}/read-test-write", ReadTestWriteAsync);
        v1.MapPost("/mutable/{index}/{share}/corrupt", ReportMutableCorruptionAsync);
        v1.MapMethods("/mutable/{index}/{share}", ["PATCH"], WriteMutableRangeAsync);
        v1.MapGet("/mutable/{index}/shares", (string index, MutableStore store) => Results.Json(store.List(RequestParsing.Index(index)), StorageProtocol.Json));
        v1.MapGet("/mutable/{index}/{share}", (string index, string share, HttpContext context, MutableStore store) =>
            ShareReader.ServeFileAsync(context, store.SharePath(RequestParsing.Index(index), RequestParsing.Share(share)) ?? throw NoSuchShare()));
        return routes;
    }

    private static async Task<IResult> AllocateAsync(string index, HttpRequest request, ImmutableStore store, StorageNodeOptions options, CancellationToken cancellationToken)
    {
        var storageIndex = RequestParsing.Index(index);
        var secrets = RequestParsing.Secrets(request);
        var upload = RequestParsing.Secret(secrets, StorageProtocol.UploadSecret);
        var renew = RequestParsing.Secret(secrets, StorageProtocol.LeaseRenewSecret);
        var cancel = RequestParsing.Secret(secrets, StorageProtocol.LeaseCancelSecret);
        var body = await ReadJsonAsync<AllocateRequest>(request, ControlBodyLimit, cancellationToken).ConfigureAwait(false);
        if (body.ShareNumbers is not { Count: > 0 and <= StorageProtocol.MaxShareNumber + 1 } shares)
        {
            throw new ProblemException(400, "share-numbers must list 1 to 256 share numbers");
        }

        foreach (var share in shares)
        {
            RequestParsing.Share(share.ToString(CultureInfo.InvariantCulture));
        }

        if (body.AllocatedSize <= 0)
        {
            throw new ProblemException(400, "allocated-size must be a positive number of bytes");
        }

        if (body.AllocatedSize > options.MaximumImmutableShareSize)
        {
            throw new ProblemException(413, $"allocated-size {body.AllocatedSize} exceeds this node's maximum share size {options.MaximumImmutableShareSize}");
        }

        try
        {
            return Results.Json(store.Allocate(storageIndex, shares, body.AllocatedSize, upload, renew, cancel), StorageProtocol.Json, statusCode: 201);
        }
        catch (LeaseLimitException e)
        {
            throw new ProblemException(409, e.Message);
        }
    }

    private static async Task<IResult> WriteAsync(string index, string share, HttpRequest request, ImmutableStore store, StorageNodeOptions options, CancellationToken cancellationToken)
    {
        var storageIndex = RequestParsing.Index(index);
        var shareNumber = RequestParsing.Share(share);
        var upload = RequestParsing.Secret(RequestParsing.Secrets(request), StorageProtocol.UploadSecret);
        var (offset, length) = RequestParsing.ContentRange(request, options.MaximumWriteSize);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent((int)length + 1);
        try
        {
            await ReadRangeBodyAsync(request, buffer, length, cancellationToken).ConfigureAwait(false);
            var outcome = await store.WriteAsync(storageIndex, shareNumber, offset, buffer.AsMemory(0, (int)length), upload, cancellationToken).ConfigureAwait(false);
            return outcome.Status switch
            {
                WriteStatus.Partial => Results.Json(new UploadProgress(outcome.Required), StorageProtocol.Json, statusCode: 200),
                WriteStatus.Complete => Results.Json(new UploadProgress([]), StorageProtocol.Json, statusCode: 201),
                WriteStatus.Conflict => throw new ProblemException(409, "these bytes differ from bytes already written to this share (shares are write-once)"),
                WriteStatus.OutOfRange => throw new ProblemException(416, "the range runs past the share's allocated size"),
                WriteStatus.WrongSecret => throw new ProblemException(401, "the upload secret is not the one that allocated this share"),
                _ => throw new ProblemException(404, "no upload of this share is in progress; allocate it first"),
            };
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<IResult> AbortAsync(string index, string share, HttpRequest request, ImmutableStore store, CancellationToken cancellationToken)
    {
        var storageIndex = RequestParsing.Index(index);
        var shareNumber = RequestParsing.Share(share);
        var upload = RequestParsing.Secret(RequestParsing.Secrets(request), StorageProtocol.UploadSecret);
        return await store.AbortAsync(storageIndex, shareNumber, upload, cancellationToken).ConfigureAwait(false) switch
        {
            WriteStatus.Complete => Results.Json(new { }, StorageProtocol.Json),
            WriteStatus.WrongSecret => throw new ProblemException(401, "the upload secret is not the one that allocated this share"),
            _ => throw new ProblemException(404, "no upload of this share is in progress"),
        };
    }

    private static async Task ProveAsync(string index, string share, HttpContext context, ImmutableStore store, CancellationToken cancellationToken)
    {
        var storageIndex = RequestParsing.Index(index);
        var shareNumber = RequestParsing.Share(share);
        var body = await ReadJsonAsync<ProofRequest>(context.Request, ControlBodyLimit, cancellationToken).ConfigureAwait(false);
        if (body.Blocks is not { Count: > 0 and <= ShareProof.MaxBlocks } blocks || blocks.Distinct().Count() != blocks.Count || blocks.Any(b => b < 0))
        {
            throw new ProblemException(400, $"blocks must list 1 to {ShareProof.MaxBlocks} distinct block numbers (0 or more)");
        }

        var path = store.SharePath(storageIndex, shareNumber) ?? throw new ProblemException(404, "this node holds no such share");
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        ShareRangeReader read = (offset, destination, _) => ValueTask.FromResult(ReadFully(handle, destination.Span, offset));
        ShareProof? proof;
        try
        {
            proof = await ShareProver.ProveAsync(shareNumber, read, blocks, System.Buffers.ArrayPool<byte>.Shared, cancellationToken).ConfigureAwait(false);
        }
        catch (CorruptShareException e)
        {
            // The node cannot prove from what it holds; the auditor counts that as a failure like any other.
            throw new ProblemException(409, $"this node's copy of the share cannot be proved from: {e.Reason}");
        }

        if (proof is null)
        {
            throw new ProblemException(416, "a block asked for is past the share's last block");
        }

        try
        {
            // Large blocks go once from the pooled read buffer into the response pipe.
            context.Response.ContentType = "application/octet-stream";
            context.Response.ContentLength = proof.SerializedLength;
            proof.WriteTo(context.Response.BodyWriter);
            await context.Response.BodyWriter.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ShareProver.Return(proof, System.Buffers.ArrayPool<byte>.Shared);
        }
    }

    // Small reads of a local file: synchronous is cheaper than a trip through the thread pool.
    private static int ReadFully(Microsoft.Win32.SafeHandles.SafeFileHandle handle, Span<byte> destination, long offset)
    {
        var total = 0;
        while (total < destination.Length)
        {
            var read = RandomAccess.Read(handle, destination[total..], offset + total);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    // The node checks the share itself, and only what its own check finds counts, so a false
    // report costs a read, never data.
    private static async Task<IResult> ReportCorruptionAsync(string index, string share, HttpRequest request, ImmutableStore store, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var storageIndex = RequestParsing.Index(index);
        var shareNumber = RequestParsing.Share(share);
        var report = await ReadJsonAsync<CorruptionReport>(request, ControlBodyLimit, cancellationToken).ConfigureAwait(false);
        if (report.Blocks is { Count: > MaxReportedBlocks })
        {
            throw new ProblemException(400, $"a report names at most {MaxReportedBlocks} blocks; leave 'blocks' out to have the whole share checked");
        }

        if (store.SharePath(storageIndex, shareNumber) is null)
        {
            throw new ProblemException(404, "this node holds no such share");
        }

        var logger = loggers.CreateLogger("Granary.Storage.Corruption");
        StorageLog.CorruptionReported(logger, storageIndex.ToString(), shareNumber, LogText.Escape(report.Reason));
        var verdict = await store.ConfirmCorruptionAsync(storageIndex, shareNumber, report.Blocks, cancellationToken).ConfigureAwait(false);
        if (verdict is { Intact: true })
        {
            StorageLog.ReportedShareSound(logger, storageIndex.ToString(), shareNumber);
        }

        return Results.Json(new CorruptionFinding(verdict is { Intact: false }, verdict is { Intact: false } ? verdict.Summary : null), StorageProtocol.Json);
    }

    // A mutable share can change at any time, so the node only logs the report.
    private static async Task<IResult> ReportMutableCorruptionAsync(string index, string share, HttpRequest request, MutableStore store, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var storageIndex = RequestParsing.Index(index);
        var shareNumber = RequestParsing.Share(share);
        var report = await ReadJsonAsync<CorruptionReport>(request, ControlBodyLimit, cancellationToken).ConfigureAwait(false);
        if (store.SharePath(storageIndex, shareNumber) is null)
        {
            throw new ProblemException(404, "this node holds no such share");
        }

        StorageLog.MutableCorruptionReported(loggers.CreateLogger("Granary.Storage.Corruption"), storageIndex.ToString(), shareNumber, LogText.Escape(report.Reason));
        return Results.Json(new { }, StorageProtocol.Json);
    }

    private static IResult RenewLease(string index, HttpRequest request, ImmutableStore immutable, MutableStore mutable, Leases.LeaseStore leases)
    {
        var storageIndex = RequestParsing.Index(index);
        var secrets = RequestParsing.Secrets(request);
        var renew = RequestParsing.Secret(secrets, StorageProtocol.LeaseRenewSecret);
        var cancel = RequestParsing.Secret(secrets, StorageProtocol.LeaseCancelSecret);
        var files = new List<string>();
        if (immutable.List(storageIndex).Count > 0)
        {
            files.Add(immutable.LeasesFile(storageIndex));
        }

        if (mutable.List(storageIndex).Count > 0)
        {
            files.Add(mutable.LeasesFile(storageIndex));
        }

        if (files.Count == 0)
        {
            throw new ProblemException(404, "this node holds no shares of that storage index");
        }

        foreach (var file in files)
        {
            if (!leases.AddOrRenew(file, renew, cancel))
            {
                throw new ProblemException(409, $"this bucket already carries {Leases.LeaseStore.MaxLeases} leases");
            }
        }

        return Results.NoContent();
    }

    private static async Task<IResult> ReadTestWriteAsync(string index, HttpRequest request, MutableStore store, StorageNodeOptions options, CancellationToken cancellationToken)
    {
        var storageIndex = RequestParsing.Index(index);
        var secrets = RequestParsing.Secrets(request);
        var enabler = RequestParsing.Secret(secrets, StorageProtocol.WriteEnabler);
        var renew = RequestParsing.Secret(secrets, StorageProtocol.LeaseRenewSecret);
        var cancel = RequestParsing.Secret(secrets, StorageProtocol.LeaseCancelSecret);
        // One call carries at most a write's worth of data (base64 in JSON): a large share is written in several calls.
        var body = await ReadJsonAsync<ReadTestWriteRequest>(request, (int)Math.Min(int.MaxValue, (options.MaximumWriteSize * 2L) + ControlBodyLimit), cancellationToken).ConfigureAwait(false);
        var vectors = new Dictionary<int, SlotChange>();
        foreach (var (key, vector) in body.TestWriteVectors ?? new Dictionary<string, TestWriteVectors>())
        {
            var share = RequestParsing.Share(key);
            if (vector?.Test is null || vector.Write is null)
            {
                throw new ProblemException(400, $"share {share}'s vectors need 'test' and 'write' lists (either may be empty)");
            }

            foreach (var test in vector.Test)
            {
                if (test is null || test.Offset < 0 || test.Size < 0 || test.Specimen is null || test.Specimen.Length > test.Size)
                {
                    throw new ProblemException(400, $"a test of share {share} needs offset >= 0 and a specimen of at most 'size' bytes");
                }
            }

            foreach (var write in vector.Write)
            {
                if (write is null || write.Offset < 0 || write.Data is null || write.Offset > options.MaximumMutableShareSize - write.Data.Length)
                {
                    throw new ProblemException(write?.Data is null || write.Offset < 0 ? 400 : 413, $"a write to share {share} needs offset >= 0 and data, ending within {options.MaximumMutableShareSize} bytes");
                }
            }

            if (vector.NewLength is < 0)
            {
                throw new ProblemException(400, "new-length cannot be negative");
            }

            vectors[share] = SlotChange.From(vector);
        }

        var reads = body.ReadVector ?? [];
        if (reads.Count > MaxReadVectors || reads.Any(r => r is null || r.Offset < 0 || r.Size < 0 || r.Size > options.MaximumWriteSize))
        {
            throw new ProblemException(400, $"read-vector takes up to {MaxReadVectors} ranges with offset >= 0 and a size of at most {options.MaximumWriteSize} bytes");
        }

        var (status, result) = await store.ReadTestWriteAsync(storageIndex, vectors, reads, enabler, renew, cancel, cancellationToken).ConfigureAwait(false);
        return status switch
        {
            ReadTestWriteStatus.Done => Results.Json(result, StorageProtocol.Json),
            ReadTestWriteStatus.WrongWriteEnabler => throw new ProblemException(401, "the write enabler does not match this slot's"),
            ReadTestWriteStatus.TooLarge => throw new ProblemException(413, $"a mutable share may grow to {options.MaximumMutableShareSize} bytes at most"),
            ReadTestWriteStatus.NoSpace => throw new ProblemException(507, "the node has no room for this write"),
            _ => throw new ProblemException(409, $"this slot already carries {Leases.LeaseStore.MaxLeases} leases"),
        };
    }

    // The bulk of a mutable share goes here as raw bytes: one range of one share, written if the
    // tests pass, under the same slot rules as read-test-write (docs/storage-protocol.md §6).
    private static async Task<IResult> WriteMutableRangeAsync(string index, string share, HttpRequest request, MutableStore store, StorageNodeOptions options, CancellationToken cancellationToken)
    {
        var storageIndex = RequestParsing.Index(index);
        var shareNumber = RequestParsing.Share(share);
        var secrets = RequestParsing.Secrets(request);
        var enabler = RequestParsing.Secret(secrets, StorageProtocol.WriteEnabler);
        var renew = RequestParsing.Secret(secrets, StorageProtocol.LeaseRenewSecret);
        var cancel = RequestParsing.Secret(secrets, StorageProtocol.LeaseCancelSecret);
        var tests = RequestParsing.Tests(request);
        var (offset, length) = RequestParsing.ContentRange(request, options.MaximumWriteSize);
        if (offset > options.MaximumMutableShareSize - length)
        {
            throw new ProblemException(413, $"a mutable share may grow to {options.MaximumMutableShareSize} bytes at most");
        }

        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent((int)length + 1);
        ReadTestWriteStatus status;
        ReadTestWriteResult? result;
        try
        {
            await ReadRangeBodyAsync(request, buffer, length, cancellationToken).ConfigureAwait(false);
            var vectors = new Dictionary<int, SlotChange> { [shareNumber] = new(tests, [new SlotWrite(offset, buffer.AsMemory(0, (int)length))], null) };
            (status, result) = await store.ReadTestWriteAsync(storageIndex, vectors, [], enabler, renew, cancel, cancellationToken, durable: false).ConfigureAwait(false);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        return status switch
        {
            ReadTestWriteStatus.Done => Results.Json(new MutableWriteResult(result!.Success), StorageProtocol.Json),
            ReadTestWriteStatus.WrongWriteEnabler => throw new ProblemException(401, "the write enabler does not match this slot's"),
            ReadTestWriteStatus.TooLarge => throw new ProblemException(413, $"a mutable share may grow to {options.MaximumMutableShareSize} bytes at most"),
            ReadTestWriteStatus.NoSpace => throw new ProblemException(507, "the node has no room for this write"),
            _ => throw new ProblemException(409, $"this slot already carries {Leases.LeaseStore.MaxLeases} leases"),
        };
    }

    /// <summary>Reads a body of exactly <paramref name="length"/> bytes into <paramref name="buffer"/> (at least one byte longer, to see a body that runs on).</summary>
    private static async Task ReadRangeBodyAsync(HttpRequest request, byte[] buffer, long length, CancellationToken cancellationToken)
    {
        if (request.ContentLength is long declared && declared != length)
        {
            throw new ProblemException(400, $"Content-Length {declared} does not match the Content-Range's {length} bytes");
        }

        // Kestrel counts chunk framing against the limit, so leave a margin; the read below
        // takes at most length + 1 bytes whatever arrives.
        LimitBody(request, length + 64 * 1024);
        var read = await request.Body.ReadAtLeastAsync(buffer.AsMemory(0, (int)length + 1), (int)length + 1, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read != length)
        {
            throw new ProblemException(400, read < length
                ? $"the body ended after {read} of the {length} bytes the Content-Range promised"
                : $"the body is longer than the {length} bytes the Content-Range names");
        }
    }

    private static ProblemException NoSuchShare() => new(404, "this node holds no such share");

    private static async Task<T> ReadJsonAsync<T>(HttpRequest request, int limit, CancellationToken cancellationToken)
        where T : class
    {
        LimitBody(request, limit);
        return await JsonSerializer.DeserializeAsync<T>(request.Body, StorageProtocol.Json, cancellationToken).ConfigureAwait(false)
            ?? throw new ProblemException(400, "the request needs a JSON body");
    }

    private static void LimitBody(HttpRequest request, long limit)
    {
        var feature = request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = limit;
        }
    }

    private static bool Authorized(HttpRequest request, byte[] secret)
    {
        var header = request.Headers.Authorization.ToString();
        var prefix = StorageProtocol.AuthorizationScheme + " ";
        return header.StartsWith(prefix, StringComparison.Ordinal)
            && Base32.TryDecode(header.AsSpan(prefix.Length).Trim(), out var presented, out _)
            && CryptographicOperations.FixedTimeEquals(presented, secret);
    }
}
