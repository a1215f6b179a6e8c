using System.Reflection;
using Granary.Hub.Dashboard;
using Granary.Hub.Data;
using Granary.Hub.Dataserv;
using Granary.Hub.Introducer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Granary.Hub;

/// <summary>How to host a hub beyond what its directory says: for tests, benchmarks and the grid.</summary>
public sealed class HubHostOptions
{
    /// <summary>Listen on this port instead of the configured one (0: any free port).</summary>
    public int? Port { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public Action<ILoggingBuilder>? Logging { get; init; }
}

/// <summary>Builds the hub's web application: database (migrated), dataserv API, introducer and dashboard on Kestrel.</summary>
public static class HubHost
{
    public static string ApplicationVersion { get; } =
        "granary " + (typeof(HubHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0");

    public static async Task<WebApplication> BuildAsync(HubDirectory hub, HubHostOptions? host = null, CancellationToken cancellationToken = default)
    {
        host ??= new HubHostOptions();
        var options = hub.Options;
        var database = HubDatabase.Open(hub);
        try
        {
            await database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await database.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "granary-hub", ContentRootPath = hub.Path });
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
            kestrel.Limits.MaxRequestHeaderCount = 64;
        });
        builder.WebHost.UseUrls($"http://{(options.Host.Contains(':', StringComparison.Ordinal) ? $"[{options.Host}]" : options.Host)}:{host.Port ?? options.Port}");
        builder.Services.AddSingleton(_ => database); // the container disposes it with the app
        builder.Services.AddRoutingCore();

        var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Granary.Hub");
        var farmers = new FarmerStore(database);
        var announcements = new AnnouncementStore(database);
        var authenticator = new DataservAuthenticator(hub.Address, host.Time, TimeSpan.FromSeconds(options.AuthWindowSeconds));
        var dataserv = new DataservRouter(
            new DataservApi(farmers, authenticator, options, host.Time, hub.Address),
            new ResponseCache(host.Time, TimeSpan.FromSeconds(options.CacheSeconds)));

        app.UseHubErrors();
        app.Use(async (context, next) =>
        {
            if (!await dataserv.TryHandleAsync(context).ConfigureAwait(false))
            {
                await next(context).ConfigureAwait(false);
            }
        });
        // Routing after the two above, so that errors in matching are caught too and dataserv's
        // paths never reach it.
        app.UseRouting();
        app.MapIntroducer(announcements, options, host.Time, logger);
        app.MapDashboard(farmers, announcements, options, host.Time, hub.Address, database.Description, ApplicationVersion);
        app.MapFallback(async (HttpContext context) =>
        {
            context.Response.StatusCode = 404;
            context.Response.ContentType = DataservResponse.TextType;
            await context.Response.Body.WriteAsync(DataservResponse.NotFound.Body, context.RequestAborted).ConfigureAwait(false);
        });
        app.Lifetime.ApplicationStarted.Register(() => HubLog.Serving(logger, hub.Address, ListeningUrl(app).ToString(), database.Description));
        return app;
    }

    /// <summary>The base URL a started hub listens on.</summary>
    public static Uri ListeningUrl(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The hub is not listening yet.");
        var uri = new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
        return new Uri($"http://{uri.Authority}/");
    }
}
