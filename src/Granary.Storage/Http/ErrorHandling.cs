using System.Text.Json;
using Granary.Core.Protocol;
using Granary.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Granary.Storage.Http;

/// <summary>
/// Every refusal becomes a 4xx with a JSON <c>{"error": …}</c> body: refusals the endpoints raise,
/// bodies Kestrel finds too large or cut short, JSON that does not parse, and routes that do not
/// exist. A disk that fails mid-request answers 507. Nothing a client sends can produce a 500; one
/// would mean a bug, and is logged as such.
/// </summary>
internal static class ErrorHandling
{
    public static IApplicationBuilder UseStorageErrors(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Granary.Storage.Http");
        try
        {
            await next(context).ConfigureAwait(false);
            if (context.Response is { StatusCode: >= 400, HasStarted: false, ContentLength: null } && context.Response.ContentType is null)
            {
                await WriteAsync(context, context.Response.StatusCode, context.Response.StatusCode switch
                {
                    404 => "no such endpoint",
                    405 => "method not allowed here",
                    _ => "request refused",
                }).ConfigureAwait(false);
            }
        }
        catch (ProblemException e)
        {
            await RefuseAsync(context, logger, e.Status, e.Message, e.ContentRange).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            await RefuseAsync(context, logger, e.StatusCode, e.StatusCode == 413 ? "the body is larger than this endpoint accepts" : $"malformed request: {e.Message}").ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            await RefuseAsync(context, logger, 400, $"the JSON body is not valid: {e.Message}").ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && !context.RequestAborted.IsCancellationRequested)
        {
            StorageLog.DiskError(logger, e, LogText.Escape(context.Request.Method), LogText.Escape(context.Request.Path.Value));
            if (!context.Response.HasStarted)
            {
                await WriteAsync(context, 507, "the node could not store or read the data (disk full or failing)").ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
        }
    });

    private static async Task RefuseAsync(HttpContext context, ILogger logger, int status, string message, string? contentRange = null)
    {
        StorageLog.Rejected(logger, LogText.Escape(context.Request.Method), LogText.Escape(context.Request.Path.Value), status, LogText.Escape(message));
        if (!context.Response.HasStarted)
        {
            await WriteAsync(context, status, message, contentRange).ConfigureAwait(false);
        }
    }

    public static async Task WriteAsync(HttpContext context, int status, string message, string? contentRange = null)
    {
        context.Response.Clear();
        context.Response.StatusCode = status;
        if (contentRange is not null)
        {
            context.Response.Headers.ContentRange = contentRange;
        }

        await context.Response.WriteAsJsonAsync(new ErrorBody(message), StorageProtocol.Json).ConfigureAwait(false);
    }
}
