using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Granary.Hosting;

/// <summary>The parts of a Granary HTTP server that do not depend on what it serves.</summary>
public static class GranaryWebApp
{
    /// <summary>"granary X.Y.Z", what servers report as their version.</summary>
    public static string ApplicationVersion { get; } =
        "granary " + (typeof(GranaryWebApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0");

    /// <summary>
    /// A slim web application on Kestrel listening at <paramref name="host"/>:<paramref name="port"/>
    /// (or the port <paramref name="options"/> names), logging as the options say, with no Server
    /// header and small request limits: control bodies are JSON of a few KiB. A server adds its
    /// own limits in <paramref name="kestrel"/>.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(
        string name, string contentRoot, string host, int port, ServerHostOptions options, Action<KestrelServerOptions>? kestrel = null)
    {
        // The content root is the server's own directory (a hub's database, a node's shares): watching it
        // for appsettings.json changes, as the default host does, handled an inotify event for every
        // write there (under keep-alive load, a thread busy with the SQLite WAL's changes).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = name,
            ContentRootPath = contentRoot,
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        builder.Logging.ClearProviders();
        if (options.Logging is null)
        {
            builder.Logging.AddSimpleConsole(console => console.SingleLine = true).SetMinimumLevel(LogLevel.Information);
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        }
        else
        {
            options.Logging(builder.Logging);
        }

        builder.WebHost.UseKestrel(limits =>
        {
            limits.AddServerHeader = false;
            limits.Limits.MaxRequestBodySize = 64 * 1024;
            limits.Limits.MaxRequestLineSize = 8 * 1024;
            limits.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel?.Invoke(limits);
        });
        builder.WebHost.UseUrls($"http://{(host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host)}:{options.Port ?? port}");
        return builder;
    }

    /// <summary>The address a started application listens on, as a client would dial it (wildcards become loopback); null before it listens.</summary>
    public static Uri? ListeningAddress(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is null)
        {
            return null;
        }

        var uri = new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
        return new Uri($"http://{uri.Authority}/");
    }
}
