using Granary.Client.Nodes;
using Granary.Client.Upload;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;

namespace Granary.Client;

/// <summary>
/// A client of one grid, as <see cref="GranaryClientBuilder"/> made it: the servers it found, its
/// settings and secrets, its clock and its logging, none of which change afterwards. Everything a
/// front end (the CLI, the web gateway) does with the grid goes through it.
/// </summary>
public sealed class GranaryClient
{
    internal GranaryClient(ClientSettings settings, ClientSecrets secrets, StorageGrid grid, TimeProvider time, ILoggerFactory? loggers, IReadOnlyList<string> warnings, IReadOnlyList<Uri> hubs, HttpClient http)
    {
        Hubs = hubs;
        Keeper = new Maintenance.HubKeeper(this, http);
        Settings = settings;
        Secrets = secrets;
        Grid = grid;
        Time = time;
        Loggers = loggers ?? NullLoggerFactory.Instance;
        Warnings = warnings;
        Nodes = new NodeMaker(this);
    }

    public ClientSettings Settings { get; }

    public ClientSecrets Secrets { get; }

    /// <summary>The hubs this client was built with (their introducers and keepers).</summary>
    public IReadOnlyList<Uri> Hubs { get; }

    /// <summary>Asks the hubs to keep files: lease, audit and repair them (docs/keeper.md).</summary>
    public Maintenance.HubKeeper Keeper { get; }

    /// <summary>The storage servers this client uses.</summary>
    public StorageGrid Grid { get; }

    public TimeProvider Time { get; }

    public ILoggerFactory Loggers { get; }

    /// <summary>What went wrong while the grid was being found (a hub that did not answer, say) without stopping it.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Turns caps into nodes.</summary>
    public NodeMaker Nodes { get; }

    /// <summary>Keys for new mutable files and directories, one made ahead.</summary>
    internal Mutable.SigningKeyPool Keys { get; } = new();

    /// <summary>Whether a file of <paramref name="size"/> bytes is stored in its cap (<c>URI:LIT:</c>), with no server.</summary>
    public static bool IsLiteral(long size) => Uploader.IsLiteral(size);

    /// <summary>Stores an immutable file (two passes over a seekable stream); a file of 55 bytes or less becomes a literal cap without a server.</summary>
    public Task<UploadResult> UploadAsync(Stream input, IProgress<TransferProgress>? progress, CancellationToken cancellationToken) =>
        new Uploader(this).UploadAsync(input, progress, cancellationToken);

    /// <summary>
    /// Stores an immutable file read once from a stream that cannot be read twice (a request body,
    /// standard input) under its convergent key: the stream is copied to a temporary file in
    /// <paramref name="spoolDirectory"/> (default: the system's), deleted afterwards. With the
    /// <paramref name="size"/> known ahead, the key is derived during the copy and the copy is read
    /// once; a stream that ends early or runs long fails the upload.
    /// </summary>
    public async Task<UploadResult> UploadSpooledAsync(Stream input, long? size, string? spoolDirectory, IProgress<TransferProgress>? progress, CancellationToken cancellationToken)
    {
        using var spool = await UploadSpool.CopyAsync(input, size, spoolDirectory, Settings, Secrets.Convergence, cancellationToken).ConfigureAwait(false);
        return await new Uploader(this).UploadAsync(spool.File, progress, cancellationToken, spool.ConvergentKey).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores exactly <paramref name="size"/> bytes read once from a stream that cannot be read twice,
    /// under a random key (no convergence, so no deduplication): what a gateway does when asked not
    /// to spool. Fails rather than retries when servers fail during it.
    /// </summary>
    public Task<UploadResult> UploadOnceAsync(Stream input, long size, IProgress<TransferProgress>? progress, CancellationToken cancellationToken) =>
        new Uploader(this).UploadOnceAsync(input, size, progress, cancellationToken);

    /// <summary>
    /// Adds or renews this client's lease on every server <paramref name="report"/> found holding
    /// shares (Tahoe's <c>add-lease=true</c>); returns how many servers renewed it.
    /// </summary>
    public Task<int> RenewLeasesAsync(Maintenance.CheckReport report, CancellationToken cancellationToken) =>
        Maintenance.LeaseRenewal.RenewAsync(this, report, cancellationToken);

    /// <summary>
    /// Tahoe's deep-check: checks every object reachable from <paramref name="start"/> (each storage
    /// index once, so cycles end), and as <paramref name="options"/> ask verifies, repairs and
    /// renews leases; reports each object to <paramref name="progress"/> as it is done. A failure
    /// that belongs to one object is recorded in its entry and the walk goes on.
    /// </summary>
    public Task<Maintenance.DeepCheckReport> DeepCheckAsync(FilesystemNode start, Maintenance.DeepCheckOptions options, IProgress<Maintenance.DeepCheckEntry>? progress, CancellationToken cancellationToken) =>
        new Maintenance.DeepChecker(this, options).RunAsync(start, progress, cancellationToken);
}
