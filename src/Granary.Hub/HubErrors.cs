using System.Data.Common;
using Granary.Hub.Dataserv;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Granary.Hub;

/// <summary>
/// No request makes the hub answer 500 or show a database error: a database that fails answers
/// 503 with a plain message (the details go to the log), a body too large or malformed a 4xx.
/// </summary>
internal static class HubErrors
{
    public static IApplicationBuilder UseHubErrors(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is no one to answer.
        }
        catch (BadHttpRequestException e)
        {
            await AnswerAsync(context, DataservResponse.Text(e.StatusCode, e.StatusCode == 413 ? "Request body too large." : "Bad request.")).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DbException or TimeoutException)
        {
            HubLog.DatabaseError(Logger(context), e, context.Request.Method, context.Request.Path);
            await AnswerAsync(context, DataservResponse.Unavailable).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // A bug: logged as one, and still no 500 and no internals for the client.
            HubLog.Unexpected(Logger(context), e, context.Request.Method, context.Request.Path);
            await AnswerAsync(context, DataservResponse.Text(503, "Service Unavailable: the hub could not answer this request.")).ConfigureAwait(false);
        }
    });

    private static ILogger Logger(HttpContext context) => context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Granary.Hub");

    private static async Task AnswerAsync(HttpContext context, DataservResponse response)
    {
        if (context.Response.HasStarted)
        {
            context.Abort();
            return;
        }

        context.Response.Clear();
        context.Response.StatusCode = response.Status;
        context.Response.ContentType = response.ContentType;
        await context.Response.Body.WriteAsync(response.Body, context.RequestAborted).ConfigureAwait(false);
    }
}
