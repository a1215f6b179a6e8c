using System.Reflection;
using Granary.Storage.Http;
using Granary.Storage.Leases;
using Granary.Storage.Mutable;
using Granary.Storage.Shares;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Granary.Storage;

/// <summary>How to host a node beyond what its directory says: for tests and the grid.</summary>
public sealed class StorageHostOptions
{
    /// <summary>Listen on this port instead of the configured one (0: any free port).</summary>
    public int? Port { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public Action<ILoggingBuilder>? Logging { get; init; }
}

/// <summary>Builds the storage node's web application: the share store, its background services and the protocol endpoints on Kestrel.</summary>
public static class StorageNodeHost
{
    public static string ApplicationVersion { get; } =
        "granary " + (typeof(StorageNodeHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0");

    public static WebApplication Build(NodeDirectory directory, StorageHostOptions? host = null)
    {
        host ??= new StorageHostOptions();
        var options = directory.Options;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "granary-node", ContentRootPath = directory.Path });
        builder.Logging.ClearProviders();
        if (host.Logging is null)
        {
            builder.Logging.AddSimpleConsole(console => console.SingleLine = true).SetMinimumLevel(LogLevel.Information);
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        }
        else
        {
            host.Logging(builder.Logging);
        }

        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 64 * 1024;
            kestrel.Limits.MaxRequestLineSize = 8 * 1024;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
        });
        builder.WebHost.UseSockets(sockets =>
        {
            // Kestrel reads a socket into 4 KiB blocks; for multi-megabyte bodies, skipping the
            // zero-byte "is there data" read halves the system calls, and completing reads on the
            // socket's own thread saves a thread hop per block. Endpoints never block for long.
            sockets.WaitForDataBeforeAllocatingBuffer = false;
            sockets.UnsafePreferInlineScheduling = true;
        });
        builder.WebHost.UseUrls($"http://{(options.Host.Contains(':', StringComparison.Ordinal) ? $"[{options.Host}]" : options.Host)}:{host.Port ?? options.Port}");

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

        var app = builder.Build();
        built = app;
        layout.Initialize();
        var (shares, bytes) = app.Services.GetRequiredService<ImmutableStore>().Open();
        var (slots, slotBytes) = app.Services.GetRequiredService<MutableStore>().Open();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Granary.Storage");
        StorageLog.StoreOpened(logger, shares, slots, bytes + slotBytes);

        app.UseStorageErrors();
        app.MapStorageProtocol(new NodeInfo(directory.Key.NodeId.ToString(), directory.Secret, ApplicationVersion));
        app.Lifetime.ApplicationStarted.Register(() => StorageLog.Serving(logger, directory.Key.NodeId.ToString(), ListeningUrl(app, directory).BaseAddress.ToString()));
        return app;
    }

    /// <summary>The storage URL of a started node, with the port it actually listens on.</summary>
    public static Core.Protocol.StorageUrl ListeningUrl(WebApplication app, NodeDirectory directory)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        var port = address is null ? directory.Options.Port : new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal)).Port;
        var url = directory.Url;
        return new Core.Protocol.StorageUrl(url.NodeId, url.Host, port, url.Secret);
    }
}
