using Granary.Core.Chk;

namespace Granary.Client.Upload;

/// <summary>
/// A stream that can be read only once (a request body, standard input), copied to a temporary
/// file that deletes itself when closed, because a convergent upload needs the whole file before
/// its key is known. When the length is known ahead, the key is derived while copying, so the
/// upload then reads the copy once instead of twice.
/// </summary>
internal sealed class UploadSpool : IDisposable
{
    private const int ChunkSize = 1 << 20;

    private UploadSpool(FileStream file, byte[]? convergentKey)
    {
        File = file;
        ConvergentKey = convergentKey;
    }

    /// <summary>The copy, positioned at its start.</summary>
    public FileStream File { get; }

    /// <summary>The file's convergent key, when it could be derived during the copy.</summary>
    public byte[]? ConvergentKey { get; }

    public static async Task<UploadSpool> CopyAsync(
        Stream input, long? size, string? directory, ClientSettings settings, ReadOnlyMemory<byte> convergenceSecret, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory ?? Path.GetTempPath(), $"granary-spool-{Guid.NewGuid():N}");
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 0, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            using var hasher = size is long known && !Uploader.IsLiteral(known)
                ? new ConvergentKeyHasher(convergenceSecret.Span, settings.ImmutableParameters(known))
                : null;
            var chunk = new byte[ChunkSize];
            long copied = 0;
            int read;
            while ((read = await input.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hasher?.Append(chunk.AsSpan(0, read));
                await file.WriteAsync(chunk.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                copied += read;
                if (copied > size)
                {
                    throw new UploadException($"The input is longer than the {size:N0} bytes it announced.");
                }
            }

            if (size is long expected && copied != expected)
            {
                throw new UploadException($"The input ended after {copied:N0} of the {expected:N0} bytes it announced.");
            }

            file.Position = 0;
            return new UploadSpool(file, hasher?.Finish());
        }
        catch
        {
            await file.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public void Dispose() => File.Dispose();
}
