namespace Granary.Storage;

/// <summary>What the HTTP layer needs to know about the node it serves.</summary>
internal sealed record NodeInfo(string NodeId, byte[] Secret, string ApplicationVersion);
