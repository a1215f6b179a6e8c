namespace Granary.Core.Mutable;

/// <summary>The version read, the bytes asked for, and what was wrong with shares that were passed over.</summary>
public sealed record MutableReadResult(MutableVersion Version, byte[] Data, IReadOnlyList<string> Problems);
