using Granary.Client.Download;
using Granary.Client.Mutable;
using Granary.Client.Nodes;
using Granary.Client.Storage;
using Granary.Client.Upload;
using Granary.Core.Chk;
using Granary.Core.Directories;

namespace Granary.Client.Maintenance;

/// <summary>
/// The failures that belong to one object on the grid (too few shares, corrupt data, servers that
/// refuse, a cap that cannot do what was asked), as opposed to bugs: a walk over many objects
/// records these against the object and goes on.
/// </summary>
internal static class GridFailure
{
    public static bool Is(Exception e) => e is DownloadException or MutableException or UploadException or StorageException
        or CorruptFileException or DirectoryFormatException or ReadOnlyException or GridUnavailableException or InvalidOperationException;
}
