using Granary.Client;
using Granary.Client.Download;
using Granary.Client.Mutable;
using Granary.Client.Nodes;
using Granary.Client.Storage;
using Granary.Client.Upload;
using Granary.Core.Caps;
using Granary.Core.Chk;
using Granary.Core.Directories;
using Granary.Core.Mutable;
using Granary.Gateway.Wapi;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Granary.Gateway;

/// <summary>
/// Every failure becomes the status Tahoe's gateway gives it (docs/gateway.md lists them), as plain
/// text; none becomes a 500. What the grid did wrong (too few shares, no servers) is logged as a
/// warning, a bug as an error, and neither shows internals to the client.
/// </summary>
internal static class GatewayErrors
{
    public static async Task AnswerAsync(HttpContext context, Exception exception, ILogger logger, GatewayCounters counters)
    {
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            return; // The client went away; there is no one to answer.
        }

        var (status, text) = Describe(exception);
        counters.Failed();
        var request = context.Request;
        if (status == 503 && exception is not (GridUnavailableException or StorageException or UploadException))
        {
            GatewayLog.Unexpected(logger, exception, request.Method, Hosting.LogText.Escape(request.Path));
        }
        else if (status >= 410)
        {
            GatewayLog.GridTrouble(logger, request.Method, Hosting.LogText.Escape(request.Path), status, Hosting.LogText.Escape(text));
        }

        if (context.Response.HasStarted)
        {
            context.Abort(); // The status is sent: cutting the body short is the only way left to say it failed.
            return;
        }

        var authenticate = context.Response.Headers.WWWAuthenticate;
        var range = context.Response.Headers.ContentRange;
        context.Response.Clear();
        GatewaySecurity.AddHeaders(context.Response);
        context.Response.Headers.WWWAuthenticate = authenticate;
        context.Response.Headers.ContentRange = range;
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(text, CancellationToken.None).ConfigureAwait(false);
    }

    internal static (int Status, string Text) Describe(Exception exception) => exception switch
    {
        WapiException wapi => (wapi.Status, wapi.Message),
        BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode == 413 ? "Request body too large." : $"Bad request: {bad.Message}"),
        CapFormatException cap => (400, cap.Message),
        PathNotFoundException missing => (404, missing.Message),
        ReadOnlyException readOnly => (403, $"NotWriteableError: {readOnly.Message}"),
        UncoordinatedWriteException race => (409, $"UncoordinatedWriteError: {race.Message}"),
        MutableException or NotEnoughSharesException => (410, $"UnrecoverableFileError: the directory (or mutable file) could not be retrieved, because there were insufficient good shares. This might indicate that no servers were connected, insufficient servers were connected, the URI was corrupt, or that shares have been lost due to server departure, hard drive failure, or disk corruption. You should perform a filecheck on this object to learn more.\n\nThe full error message is:\n{exception.Message}"),
        DownloadException or CorruptFileException => (410, $"NotEnoughSharesError: This indicates that some servers were unavailable, or that shares have been lost to server departure, hard drive failure, or disk corruption. You should perform a filecheck on this object to learn more.\n\nThe full error message is:\n{exception.Message}"),
        DirectoryFormatException broken => (410, $"the directory could not be read: {broken.Message}"),
        UploadException upload => (503, $"UploadUnhappinessError: {upload.Message}"),
        GridUnavailableException or StorageException => (503, $"The grid could not be reached: {exception.Message}"),
        _ => (503, "Service Unavailable: the gateway could not answer this request (its log says why)."),
    };
}
