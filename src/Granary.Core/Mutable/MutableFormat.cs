namespace Granary.Core.Mutable;

/// <summary>
/// The two share layouts of a mutable file. The format is fixed by the cap (<c>URI:SSK…</c> or
/// <c>URI:MDMF…</c>) and never changes between versions of one file.
/// </summary>
public enum MutableFormat
{
    /// <summary>Small Distributed Mutable File: one segment of any size, one salt per version (share version byte 0).</summary>
    Sdmf = 0,

    /// <summary>Medium Distributed Mutable File: 128 KiB segments, a salt per segment, in-place updates (share version byte 1).</summary>
    Mdmf = 1,
}
