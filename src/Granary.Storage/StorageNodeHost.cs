using Granary.Hosting;
using Granary.Storage.Http;
using Granary.Storage.Leases;
using Granary.Storage.Mutable;
using Granary.Storage.Shares;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Granary.Storage;

/// <summary>Builds the storage node's web application: the share store, its background services and the protocol endpoints on Kestrel.</summary>
public static class StorageNodeHost
{
    public static WebApplication Build(NodeDirectory directory, ServerHostOptions? host = null)
    {
        host ??= new ServerHostOptions();
        var options = directory.Options;
        var builder = GranaryWebApp.CreateBuilder("granary-node", directory.Path, options.Host, options.Port, host);
        builder.WebHost.UseSockets(sockets =>
        {
            // Kestrel reads a socket into 4 KiB blocks; for multi-megabyte bodies, skipping the
            // zero-byte "is there data" read halves the system calls, and completing reads on the
            // socket's own thread saves a thread hop per block. Endpoints never block for long.
            sockets.WaitForDataBeforeAllocatingBuffer = false;
            sockets.UnsafePreferInlineScheduling = true;
        });

        var layout = new StoreLayout(directory.Path);
        var space = new SpaceAccounting(options.Capacity, options.Reserved, () => new DriveInfo(directory.Path).AvailableFreeSpace);
        builder.Services.AddSingleton<Microsoft.AspNetCore.Connections.IMemoryPoolFactory<byte>, LargeBlockMemoryPoolFactory>();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(host.Time);
        builder.Services.AddSingleton(layout);
        builder.Services.AddSingleton(space);
        builder.Services.AddSingleton(new LeaseStore(host.Time, options.LeaseDuration));
        builder.Services.AddSingleton<ImmutableStore>();
        builder.Services.AddSingleton<MutableStore>();
        builder.Services.AddSingleton<LeaseCollector>();
        builder.Services.AddHostedService(services => services.GetRequiredService<LeaseCollector>());
        builder.Services.AddHostedService<IdleUploadSweeper>();
        WebApplication? built = null;
        builder.Services.AddHostedService(services => new Hubs.HubAgent(
            directory,
            space,
            host.Time,
            services.GetRequiredService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>(),
            () => ListeningUrl(built!, directory),
            services.GetRequiredService<ILogger<Hubs.HubAgent>>()));
        builder.Services.AddHostedService(services => new Hubs.ContractFarmer(directory, space, host.Time, services.GetRequiredService<ILogger<Hubs.ContractFarmer>>()));

        var app = builder.Build();
        built = app;
        layout.Initialize();
        var (shares, bytes) = app.Services.GetRequiredService<ImmutableStore>().Open();
        var (slots, slotBytes) = app.Services.GetRequiredService<MutableStore>().Open();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Granary.Storage");
        StorageLog.StoreOpened(logger, shares, slots, bytes + slotBytes);

        app.UseStorageErrors();
        app.MapStorageProtocol(new NodeInfo(directory.Key.NodeId.ToString(), directory.Secret, GranaryWebApp.ApplicationVersion));
        app.Lifetime.ApplicationStarted.Register(() => StorageLog.Serving(logger, directory.Key.NodeId.ToString(), ListeningUrl(app, directory).BaseAddress.ToString()));
        return app;
    }

    /// <summary>The storage URL of a started node, with the port it actually listens on.</summary>
    public static Core.Protocol.StorageUrl ListeningUrl(WebApplication app, NodeDirectory directory)
    {
        var port = GranaryWebApp.ListeningAddress(app)?.Port ?? directory.Options.Port;
        var url = directory.Url;
        return new Core.Protocol.StorageUrl(url.NodeId, url.Host, port, url.Secret);
    }
}
