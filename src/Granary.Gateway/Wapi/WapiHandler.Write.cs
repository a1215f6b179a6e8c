using Granary.Client.Nodes;
using Granary.Core.Caps;
using Granary.Core.Mutable;
using Microsoft.AspNetCore.Http;

namespace Granary.Gateway.Wapi;

internal sealed partial class WapiHandler
{
    // /uri itself: unlinked uploads and directories, and ?uri= redirects.
    private async Task RootAsync(HttpContext context, WapiArgs args)
    {
        var method = context.Request.Method;
        var t = args.T;
        var ct = context.RequestAborted;
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method))
        {
            var cap = args.Get("uri") ?? throw WapiException.BadRequest("GET /uri requires uri=");
            if (!Cap.TryParse(cap, out _, out _))
            {
                throw WapiException.BadRequest("Invalid capability");
            }

            var rest = string.Join("&", context.Request.Query.Where(q => q.Key != "uri").Select(q => $"{Uri.EscapeDataString(q.Key)}={Uri.EscapeDataString(q.Value.ToString())}"));
            context.Response.Redirect($"/uri/{Uri.EscapeDataString(cap.Trim())}{(rest.Length > 0 ? "?" + rest : "")}");
            return;
        }

        if (HttpMethods.IsPut(method))
        {
            switch (t)
            {
                case "":
                    var cap = await UploadAsync(context, args, context.Request.Body, context.Request.ContentLength).ConfigureAwait(false);
                    await TextAsync(context, 200, cap.ToString()).ConfigureAwait(false);
                    return;
                case "mkdir":
                    if (args.AsksForChk)
                    {
                        throw WapiException.BadRequest("format=CHK not accepted for PUT /uri?t=mkdir");
                    }

                    var made = await client.Nodes.CreateDirectoryAsync(args.Format(MutableFormat.Sdmf) ?? MutableFormat.Sdmf, [], ct).ConfigureAwait(false);
                    keeper.Keep(made.Cap);
                    await TextAsync(context, 200, made.DirectoryCap.ToString()).ConfigureAwait(false);
                    return;
                default:
                    throw WapiException.BadRequest("/uri accepts only PUT, PUT?t=mkdir, POST?t=upload, and POST?t=mkdir");
            }
        }

        if (!HttpMethods.IsPost(method))
        {
            throw new WapiException(405, $"/uri does not take {method}");
        }

        switch (t)
        {
            case "" or "upload":
            {
                var file = args.Form?.Files.GetFile("file") ?? throw WapiException.BadRequest("POST /uri?t=upload needs a 'file' field (a multipart form)");
                using var input = file.OpenReadStream();
                var cap = await UploadAsync(context, args, input, file.Length).ConfigureAwait(false);
                if (!RedirectWhenDone(context, args, cap.ToString()))
                {
                    await pages.UploadedAsync(context, cap, file.FileName).ConfigureAwait(false);
                }

                return;
            }

            case "mkdir" or "mkdir-with-children" or "mkdir-immutable":
            {
                if (t == "mkdir" && args.Form is null && context.Request.ContentLength is > 0)
                {
                    throw WapiException.BadRequest("t=mkdir does not accept children=, try t=mkdir-with-children instead");
                }

                var made = await MakeDirectoryAsync(context, args, t).ConfigureAwait(false);
                if (args.Bool("redirect_to_result"))
                {
                    context.Response.StatusCode = 303;
                    context.Response.Headers.Location = "uri/" + Uri.EscapeDataString(made.DirectoryCap.ToString());
                    return;
                }

                if (!RedirectWhenDone(context, args, made.DirectoryCap.ToString()))
                {
                    await TextAsync(context, 200, made.DirectoryCap.ToString()).ConfigureAwait(false);
                }

                return;
            }

            default:
                throw WapiException.BadRequest("/uri accepts only PUT, PUT?t=mkdir, POST?t=upload, and POST?t=mkdir");
        }
    }

    private async Task PutAsync(HttpContext context, WapiArgs args, Target target)
    {
        var t = args.T;
        var ct = context.RequestAborted;
        var replace = args.ReplaceArg();
        switch (t)
        {
            case "":
                if (context.Request.Headers.ContentRange.Count > 0 && !target.Exists)
                {
                    throw new WapiException(501, "Content-Range in PUT not yet supported");
                }

                switch (target.Node)
                {
                    case null:
                    {
                        var cap = await UploadAsync(context, args, context.Request.Body, context.Request.ContentLength).ConfigureAwait(false);
                        await LinkAsync(target.Parent!, target.Name!, cap, replace, ct).ConfigureAwait(false);
                        await TextAsync(context, 201, cap.ToString()).ConfigureAwait(false);
                        return;
                    }

                    case DirectoryNode:
                        throw WapiException.BadRequest("PUT to a directory");

                    case MutableFileNode mutable:
                    {
                        if (target.Parent is not null && replace == Replace.Never)
                        {
                            throw WapiException.ExistingChild();
                        }

                        if (mutable.IsReadOnly)
                        {
                            throw WapiException.BadRequest("PUT to a mutable file: replace or update requested with read-only cap");
                        }

                        if (args.Get("offset") is { } offsetText)
                        {
                            if (!long.TryParse(offsetText, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var offset) || offset < 0)
                            {
                                throw WapiException.BadRequest("PUT to a mutable file: Invalid offset");
                            }

                            var data = await ReadBoundedBodyAsync(context, 64 << 20).ConfigureAwait(false);
                            await mutable.WriteAtAsync(offset, data, ct).ConfigureAwait(false);
                        }
                        else
                        {
                            await OverwriteAsync(context, mutable).ConfigureAwait(false);
                        }

                        await TextAsync(context, 200, mutable.Cap.ToString()).ConfigureAwait(false);
                        return;
                    }

                    default:
                    {
                        if (args.Has("offset"))
                        {
                            throw WapiException.BadRequest("PUT to a file: append operation invoked on an immutable cap");
                        }

                        if (target.Parent is null)
                        {
                            throw WapiException.BadRequest("PUT to an immutable file that no directory holds: there is nothing to replace (PUT /uri to store a new file)");
                        }

                        if (replace == Replace.Never)
                        {
                            throw WapiException.ExistingChild();
                        }

                        var cap = await UploadAsync(context, args, context.Request.Body, context.Request.ContentLength).ConfigureAwait(false);
                        await LinkAsync(target.Parent, target.Name!, cap, Replace.Always, ct).ConfigureAwait(false);
                        await TextAsync(context, 200, cap.ToString()).ConfigureAwait(false);
                        return;
                    }
                }

            case "uri":
            {
                if (target.Parent is null)
                {
                    throw WapiException.BadRequest("PUT ?t=uri needs a directory and a name to link the cap under");
                }

                var text = (await ReadBodyTextAsync(context, 64 << 10).ConfigureAwait(false)).Trim();
                if (!Cap.TryParse(text, out var cap, out var error))
                {
                    throw WapiException.BadRequest($"MustNotBeUnknownRWError: an operation to add a child named '{target.Name}' to a directory was given an unknown cap in a write slot ({error})");
                }

                if (target.Exists && (replace == Replace.Never || (replace == Replace.OnlyFiles && target.Node is DirectoryNode)))
                {
                    throw WapiException.ExistingChild();
                }

                await target.Parent.SetChildAsync(target.Name!, cap!, null, overwrite: true, ct).ConfigureAwait(false);
                await TextAsync(context, 200, cap!.ToString()).ConfigureAwait(false);
                return;
            }

            case "mkdir":
                if (target.Node is not DirectoryNode existing)
                {
                    throw WapiException.BadRequest("PUT to a file: bad t=mkdir");
                }

                await TextAsync(context, 200, existing.DirectoryCap.ToString()).ConfigureAwait(false);
                return;

            default:
                throw WapiException.BadRequest($"PUT to a file: bad t={t}");
        }
    }

    private static async Task DeleteAsync(HttpContext context, Target target)
    {
        if (target.Parent is null || target.Name is null)
        {
            throw WapiException.BadRequest("DELETE needs a directory entry: /uri/$DIRCAP/NAME");
        }

        if (!await target.Parent.RemoveChildAsync(target.Name, context.RequestAborted).ConfigureAwait(false))
        {
            throw WapiException.NoSuchChild(target.Name);
        }

        await TextAsync(context, 200, target.Node!.Cap.ToString(), "text/plain").ConfigureAwait(false);
    }

    /// <summary>
    /// Stores a request body (or form file) as a new file: mutable when format= or mutable= asks;
    /// immutable otherwise, convergent (spooled to a temporary file for the key's first pass) unless
    /// the gateway or <c>?convergence=false</c> turns convergence off, when a body of known length
    /// streams through in one pass.
    /// </summary>
    private async Task<Cap> UploadAsync(HttpContext context, WapiArgs args, Stream body, long? length)
    {
        AllowBlockingReads(context);
        var cap = await StoreAsync(context, args, body, length).ConfigureAwait(false);
        counters.Uploaded(cap);
        keeper.Keep(cap);
        return cap;
    }

    private async Task<Cap> StoreAsync(HttpContext context, WapiArgs args, Stream body, long? length)
    {
        var ct = context.RequestAborted;
        var format = args.Format();
        var convergent = args.Bool("convergence", options.Convergent);
        if (format is null && !convergent && length is long known)
        {
            return (await client.UploadOnceAsync(body, known, null, ct).ConfigureAwait(false)).ReadCap;
        }

        if (format is MutableFormat mutableFormat && length is long size)
        {
            using var key = PrivateKey(args);
            return (await client.Nodes.CreateMutableFileAsync(mutableFormat, body, size, key, null, ct).ConfigureAwait(false)).Cap;
        }

        if (format is null && convergent && !body.CanSeek)
        {
            return (await client.UploadSpooledAsync(body, length, options.SpoolDirectory, null, ct).ConfigureAwait(false)).ReadCap;
        }

        // A form's file is already on disk (ASP.NET Core buffered it); a body is spooled here.
        using var spool = body.CanSeek ? null : await SpoolAsync(body, ct).ConfigureAwait(false);
        var seekable = spool ?? body;
        if (format is MutableFormat spooledFormat)
        {
            using var key = PrivateKey(args);
            return (await client.Nodes.CreateMutableFileAsync(spooledFormat, seekable, seekable.Length, key, null, ct).ConfigureAwait(false)).Cap;
        }

        return convergent
            ? (await client.UploadAsync(seekable, null, ct).ConfigureAwait(false)).ReadCap
            : (await client.UploadOnceAsync(seekable, seekable.Length, null, ct).ConfigureAwait(false)).ReadCap;
    }

    private async Task OverwriteAsync(HttpContext context, MutableFileNode mutable)
    {
        AllowBlockingReads(context);
        var ct = context.RequestAborted;
        if (context.Request.ContentLength is long length)
        {
            await mutable.OverwriteAsync(context.Request.Body, length, null, ct).ConfigureAwait(false);
            return;
        }

        using var spool = await SpoolAsync(context.Request.Body, ct).ConfigureAwait(false);
        await mutable.OverwriteAsync(spool, spool.Length, null, ct).ConfigureAwait(false);
    }

    // The encoders read their input on a thread of their own, with blocking reads; Kestrel allows those only when asked.
    private static void AllowBlockingReads(HttpContext context)
    {
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpBodyControlFeature>() is { } control)
        {
            control.AllowSynchronousIO = true;
        }
    }

    // private-key=<urlsafe base64 of a PKCS#8 DER RSA key>, for mutable creation, as Tahoe takes it.
    private static SigningKey? PrivateKey(WapiArgs args)
    {
        if (args.Get("private-key") is not { Length: > 0 } text)
        {
            return null;
        }

        try
        {
            var base64 = text.Replace('-', '+').Replace('_', '/');
            return SigningKey.FromPkcs8(Convert.FromBase64String(base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=')));
        }
        catch (Exception e) when (e is FormatException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw WapiException.BadRequest($"private-key= is not an RSA-2048 key (urlsafe base64 of PKCS#8 DER): {e.Message}");
        }
    }

    /// <summary>A request body in a temporary file, deleted when the stream is closed.</summary>
    private async Task<FileStream> SpoolAsync(Stream body, CancellationToken cancellationToken)
    {
        var path = Path.Combine(options.SpoolDirectory ?? Path.GetTempPath(), $"granary-gateway-{Guid.NewGuid():N}");
        var spool = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await body.CopyToAsync(spool, 1 << 20, cancellationToken).ConfigureAwait(false);
            spool.Position = 0;
            return spool;
        }
        catch
        {
            await spool.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<byte[]> ReadBoundedBodyAsync(HttpContext context, int limit)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw new WapiException(413, $"an in-place write may carry at most {limit} bytes");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
