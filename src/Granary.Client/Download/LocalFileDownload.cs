using Granary.Client.Nodes;

namespace Granary.Client.Download;

/// <summary>Saving a file from the grid as a local file.</summary>
public static class LocalFileDownload
{
    /// <summary>
    /// Writes <paramref name="file"/>, or bytes <c>[from, to]</c> (inclusive) of it, to <paramref name="path"/>: under
    /// <c>PATH.partial</c> first, renamed over <paramref name="path"/> once whole, so a download that fails leaves no file
    /// behind that could pass for the whole one. Its whole mebibytes skip the page cache (<see cref="DirectFileStream"/>).
    /// Returns the bytes written.
    /// </summary>
    public static async Task<long> SaveAsync(
        IFileNode file, string path, long? from, long? to, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        var partial = path + ".partial";
        try
        {
            long written;
            var output = new DirectFileStream(partial);
            await using (output.ConfigureAwait(false))
            {
                written = await file.ReadAsync(output, from, to, progress, cancellationToken).ConfigureAwait(false);
            }

            File.Move(partial, path, overwrite: true);
            return written;
        }
        finally
        {
            File.Delete(partial);
        }
    }
}
