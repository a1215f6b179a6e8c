namespace Granary.Client;

/// <summary>How far a put, get, verify or repair has got.</summary>
public readonly record struct TransferProgress(string Phase, long Done, long Total);
