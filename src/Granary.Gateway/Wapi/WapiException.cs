namespace Granary.Gateway.Wapi;

/// <summary>A request the gateway refuses, with Tahoe's status and text (docs/gateway.md lists them).</summary>
internal sealed class WapiException(int status, string text) : Exception(text)
{
    public int Status { get; } = status;

    public static WapiException BadRequest(string text) => new(400, text);

    public static WapiException NoSuchChild(string name) => new(404, $"No such child: {name}");

    public static WapiException ExistingChild() => new(409, "There was already a child by that name, and you asked me to not replace it.");
}
