using Granary.Core.Mutable;
using Microsoft.AspNetCore.Http;

namespace Granary.Gateway.Wapi;

/// <summary>What replace= allows: nothing, files only, or anything.</summary>
internal enum Replace
{
    Never,
    OnlyFiles,
    Always,
}

/// <summary>The query arguments (and, for browser forms, form fields) of a web API request, read as Tahoe reads them.</summary>
internal sealed class WapiArgs(HttpRequest request, IFormCollection? form)
{
    public HttpRequest Request { get; } = request;

    public IFormCollection? Form { get; } = form;

    /// <summary>The operation (<c>t=</c>), trimmed; "" when absent.</summary>
    public string T => Get("t")?.Trim() ?? "";

    /// <summary>A query argument, else a form field, else null.</summary>
    public string? Get(string name) =>
        Request.Query.TryGetValue(name, out var value) ? value.ToString() : Form is not null && Form.TryGetValue(name, out var field) ? field.ToString() : null;

    public bool Has(string name) => Get(name) is not null;

    /// <summary>Tahoe's booleans: true t 1 on / false f 0 off, any case.</summary>
    public bool Bool(string name, bool defaultValue = false) => Get(name)?.ToLowerInvariant() switch
    {
        null => defaultValue,
        "true" or "t" or "1" or "on" => true,
        "false" or "f" or "0" or "off" => false,
        var other => throw WapiException.BadRequest($"invalid boolean argument: b'{other}'"),
    };

    public Replace ReplaceArg(bool allowOnlyFiles = true) => Get("replace")?.ToLowerInvariant() switch
    {
        null => Replace.Always,
        "only-files" when allowOnlyFiles => Replace.OnlyFiles,
        "only-files" => throw WapiException.BadRequest("invalid boolean argument: b'only-files'"),
        _ => Bool("replace") ? Replace.Always : Replace.Never,
    };

    /// <summary>The format asked for: null for CHK (immutable), else SDMF or MDMF; <c>mutable=true</c> alone means SDMF.</summary>
    public MutableFormat? Format(MutableFormat? defaultFormat = null)
    {
        var text = Get("format");
        if (string.IsNullOrEmpty(text))
        {
            return Bool("mutable") ? MutableFormat.Sdmf : defaultFormat;
        }

        return text.ToUpperInvariant() switch
        {
            "CHK" => null,
            "SDMF" => MutableFormat.Sdmf,
            "MDMF" => MutableFormat.Mdmf,
            _ => throw WapiException.BadRequest($"Unknown format: {text}, I know CHK, SDMF, MDMF"),
        };
    }

    /// <summary>Whether <c>format=</c> names CHK explicitly.</summary>
    public bool AsksForChk => string.Equals(Get("format"), "chk", StringComparison.OrdinalIgnoreCase);

    /// <summary><c>output=JSON</c> (any case).</summary>
    public bool WantsJson => string.Equals(Get("output"), "json", StringComparison.OrdinalIgnoreCase);
}
