namespace Granary.Storage.Http;

/// <summary>A request the node refuses, with the status and the sentence the client gets back.</summary>
internal sealed class ProblemException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;

    /// <summary>A <c>Content-Range</c> the refusal carries (a 416 names the share's length: <c>bytes */TOTAL</c>).</summary>
    public string? ContentRange { get; init; }
}
