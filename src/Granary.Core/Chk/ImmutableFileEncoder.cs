using Granary.Core.Caps;

namespace Granary.Core.Chk;

/// <summary>What encoding a file produced: its read cap, and for a CHK file everything else.</summary>
public sealed record ImmutableFileEncoding(Cap ReadCap, ChkEncoding? Chk);

/// <summary>
/// Encodes a whole file from a seekable stream in two passes (key derivation, then encoding) on
/// several threads, holding a bounded number of segments in memory whatever the file's size.
/// Files of 55 bytes or less become literal caps.
/// </summary>
public static class ImmutableFileEncoder
{
    public static async Task<ImmutableFileEncoding> EncodeAsync(
        Stream input,
        ReadOnlyMemory<byte> convergenceSecret,
        EncodingParameters parameters,
        IChkSegmentSink? sink = null,
        IProgress<EncodeProgress>? progress = null,
        CancellationToken cancellationToken = default,
        int? threads = null)
    {
        if (!input.CanSeek || !input.CanRead)
        {
            throw new ArgumentException("Encoding reads the file twice, so it needs a readable, seekable stream.", nameof(input));
        }

        parameters.Validate();
        var start = input.Position;
        var size = input.Length - start;
        if (size <= ChkParameters.MaxLiteralSize)
        {
            var data = new byte[size];
            await input.ReadExactlyAsync(data, cancellationToken).ConfigureAwait(false);
            return new ImmutableFileEncoding(new LiteralCap(data), null);
        }

        var chk = ChkParameters.Create(size, parameters);
        var key = await ChkPipeline.DeriveKeyAsync(input, chk, convergenceSecret, progress, cancellationToken).ConfigureAwait(false);
        input.Position = start;
        var encoding = await EncodeWithKeyAsync(input, chk, key, sink, progress, cancellationToken, threads).ConfigureAwait(false);
        return new ImmutableFileEncoding(encoding.ReadCap, encoding);
    }

    /// <summary>The first pass alone: the convergent key of the file from the stream's position to its end.</summary>
    public static Task<byte[]> DeriveKeyAsync(
        Stream input, ChkParameters parameters, ReadOnlyMemory<byte> convergenceSecret, IProgress<EncodeProgress>? progress = null, CancellationToken cancellationToken = default) =>
        ChkPipeline.DeriveKeyAsync(input, parameters, convergenceSecret, progress, cancellationToken);

    /// <summary>
    /// The encoding pass alone, for a file whose key is already known (a repairer re-creating lost
    /// shares, an uploader replacing a failed server): deterministic, so it yields the same shares.
    /// </summary>
    public static async Task<ChkEncoding> EncodeWithKeyAsync(
        Stream input,
        ChkParameters parameters,
        byte[] key,
        IChkSegmentSink? sink = null,
        IProgress<EncodeProgress>? progress = null,
        CancellationToken cancellationToken = default,
        int? threads = null)
    {
        if (sink is not null)
        {
            await sink.BeginAsync(parameters, StorageIndex.FromImmutableKey(key), cancellationToken).ConfigureAwait(false);
        }

        return await ChkPipeline.EncodeAsync(
            input, parameters, key, sink, progress, threads ?? Environment.ProcessorCount, cancellationToken).ConfigureAwait(false);
    }
}
