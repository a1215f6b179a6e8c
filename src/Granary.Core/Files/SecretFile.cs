using System.Text;

namespace Granary.Core.Files;

/// <summary>
/// Files holding secrets (keys, convergence and storage secrets): created with mode 0600 from the
/// first byte, written to a temporary name, flushed to disk and renamed into place, so a crash never
/// leaves a half-written secret and no other user can ever read one. Every assembly that keeps a
/// secret needs this, so it lives in Core.
/// </summary>
public static class SecretFile
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Writes <paramref name="contents"/> to <paramref name="path"/>; refuses to replace an existing file unless <paramref name="overwrite"/>.</summary>
    public static void Write(string path, string contents, bool overwrite = false)
    {
        var full = Path.GetFullPath(path);
        if (!overwrite && File.Exists(full))
        {
            throw new IOException($"'{path}' already exists; refusing to overwrite a secret.");
        }

        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        try
        {
            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(Encoding.UTF8.GetBytes(contents));
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, full, overwrite);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    public static string Read(string path) => File.ReadAllText(path, Encoding.UTF8);

    /// <summary>True when no one but the owner may read or write the file (always true off Unix).</summary>
    public static bool IsOwnerOnly(string path) =>
        OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & ~(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute)) == 0;
}
