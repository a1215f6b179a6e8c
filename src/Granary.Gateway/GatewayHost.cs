using System.Runtime.ExceptionServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Granary.Gateway.Ui;
using Granary.Gateway.Wapi;
using Granary.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Granary.Gateway;

/// <summary>
/// Builds the gateway's web application on Kestrel: the web API under <c>/uri</c> (and <c>/cap</c>),
/// <c>/operations</c>, <c>/statistics</c> and the welcome page, behind <see cref="GatewaySecurity"/>,
/// with every failure answered by <see cref="GatewayErrors"/>.
/// </summary>
public static class GatewayHost
{
    /// <summary>The file in a client directory that says where its gateway is, as Tahoe's CLI reads it.</summary>
    public const string NodeUrlFile = "node.url";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default };

    /// <param name="keeper">What hands new files to the client's hubs (a disabled one keeps nothing); the caller starts and disposes it.</param>
    public static WebApplication Build(GatewayGrid grid, GatewayOptions options, GatewayKeeper keeper, ServerHostOptions? host = null)
    {
        ArgumentNullException.ThrowIfNull(keeper);
        options.Validate();
        host ??= new ServerHostOptions();
        var builder = GranaryWebApp.CreateBuilder("granary-gateway", AppContext.BaseDirectory, options.Url.Host, options.Url.Port, host, kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = null; // uploads of any size stream through
            kestrel.Limits.MaxRequestLineSize = 64 * 1024; // deep paths of long names
        });
        var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Granary.Gateway");
        var security = new GatewaySecurity(options, logger);
        var pages = new Pages(security);
        var operations = new OperationStore(host.Time);
        var counters = new GatewayCounters(host.Time);
        var status = new GridStatus(grid, host.Time);
        app.Run(async context =>
        {
            counters.Request();
            GatewaySecurity.AddHeaders(context.Response);
            try
            {
                if (!await security.AnswerOrAdmitAsync(context).ConfigureAwait(false))
                {
                    var segments = WapiPath.Segments(context);
                    switch (segments.Count == 0 ? "" : segments[0])
                    {
                        case "":
                            await WelcomeAsync(context, status, pages, grid).ConfigureAwait(false);
                            break;
                        case "uri" or "cap":
                            await new WapiHandler(grid.Client, options, operations, pages, counters, keeper).HandleAsync(context, segments).ConfigureAwait(false);
                            break;
                        case "operations":
                            await OperationAsync(context, segments, operations, pages).ConfigureAwait(false);
                            break;
                        case "statistics":
                            await StatisticsAsync(context, counters, grid).ConfigureAwait(false);
                            break;
                        case "favicon.ico":
                            // Browsers ask for it on every page; there is none, and they need not ask again today.
                            context.Response.StatusCode = StatusCodes.Status204NoContent;
                            context.Response.Headers.CacheControl = "max-age=86400";
                            break;
                        default:
                            throw new WapiException(404, "No such resource: the gateway serves /uri/$CAP, /operations/$HANDLE, /statistics and its welcome page /");
                    }
                }
            }
            catch (Exception e)
            {
                await GatewayErrors.AnswerAsync(context, e, logger, counters).ConfigureAwait(false);
            }
        });
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            GatewayLog.Serving(logger, ListeningUrl(app).ToString(), grid.Client.Grid.Servers.Count);
            grid.StartRefreshing(logger);
            keeper.Start(logger);
        });
        return app;
    }

    /// <summary>The base URL a started gateway listens on.</summary>
    public static Uri ListeningUrl(WebApplication app) =>
        GranaryWebApp.ListeningAddress(app) ?? throw new InvalidOperationException("The gateway is not listening yet.");

    /// <summary>Writes <c>node.url</c> into <paramref name="clientDirectory"/> (<c>http://127.0.0.1:PORT/</c> and a newline), replacing it atomically.</summary>
    public static void WriteNodeUrl(string clientDirectory, Uri url)
    {
        var path = Path.Combine(clientDirectory, NodeUrlFile);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, url.ToString().TrimEnd('/') + "/\n");
        File.Move(temporary, path, overwrite: true);
    }

    private static async Task WelcomeAsync(HttpContext context, GridStatus status, Pages pages, GatewayGrid grid)
    {
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            throw new WapiException(405, $"the welcome page does not take {request.Method}");
        }

        var t = request.Query["t"].ToString();
        if (t == "json")
        {
            var json = await status.ToJsonAsync(context.RequestAborted).ConfigureAwait(false);
            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.WriteAsync(json.ToJsonString(Indented) + "\n", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (t.Length > 0)
        {
            throw WapiException.BadRequest($"Unknown t value: '{t}'");
        }

        await pages.WelcomeAsync(context, status, grid).ConfigureAwait(false);
    }

    private static async Task StatisticsAsync(HttpContext context, GatewayCounters counters, GatewayGrid grid)
    {
        var json = counters.ToJson(grid.Client.Grid.Servers.Count);
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(json.ToJsonString(Indented) + "\n", context.RequestAborted).ConfigureAwait(false);
    }

    // GET /operations/H[?t=status][&output=JSON|text|html][&release-after-complete=true]; POST ?t=cancel.
    private static async Task OperationAsync(HttpContext context, List<string> segments, OperationStore operations, Pages pages)
    {
        if (segments.Count < 2)
        {
            throw new WapiException(404, "No such resource: /operations/$HANDLE");
        }

        var handle = segments[1];
        if (segments.Count > 2)
        {
            throw new WapiException(404, $"No detailed results for SI {segments[2]}");
        }

        var args = new WapiArgs(context.Request, null);
        var cancel = HttpMethods.IsPost(context.Request.Method) && args.T == "cancel";
        var operation = (cancel ? operations.Cancel(handle) : operations.Fetch(handle, args.Bool("release-after-complete")))
            ?? throw new WapiException(404, $"unknown/expired handle '{handle}'");
        var finished = operation.Finished;
        if (finished && operation.Work.Exception is { } failure)
        {
            ExceptionDispatchInfo.Throw(failure.GetBaseException());
        }

        if (operation.Work.IsCanceled)
        {
            throw new WapiException(410, $"operation '{handle}' was cancelled");
        }

        var status = operation.Status(finished);
        var output = args.Get("output")?.ToLowerInvariant() ?? "";
        if (output == "json" || operation.Kind == "start-deep-stats")
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(status.ToJsonString(Indented) + "\n", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (output == "text")
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(AsText(operation.Kind, status, finished), context.RequestAborted).ConfigureAwait(false);
            return;
        }

        await pages.OperationAsync(context, handle, operation.Kind, status, finished).ConfigureAwait(false);
    }

    // output=text, as Tahoe's renderers give it: the manifest as "path cap" lines, the deep size as one number.
    private static string AsText(string kind, JsonNode status, bool finished)
    {
        var text = new System.Text.StringBuilder($"finished: {(finished ? "yes" : "no")}\n");
        switch (kind)
        {
            case "start-manifest" when status["manifest"] is JsonArray manifest:
                foreach (var item in manifest)
                {
                    var path = string.Join("/", item![0]!.AsArray().Select(p => p!.GetValue<string>()));
                    text.Append(path).Append(' ').Append(item[1]!.GetValue<string>()).Append('\n');
                }

                break;
            case "start-deep-size" when status["size"] is JsonObject size:
                var total = new[] { "size-immutable-files", "size-mutable-files", "size-directories" }.Sum(k => size[k]?.GetValue<long>() ?? 0);
                text.Append("size: ").Append(total.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
                break;
            default:
                text.Append(status.ToJsonString(Indented)).Append('\n');
                break;
        }

        return text.ToString();
    }
}
