namespace Granary.Core.Chk;

public enum EncodePhase
{
    /// <summary>First pass: hashing the plaintext to derive the convergent key.</summary>
    DerivingKey,

    /// <summary>Second pass: encrypting, erasure-coding and hashing.</summary>
    Encoding,
}

/// <summary>How far an encode has got: bytes of the file done in the current pass.</summary>
public readonly record struct EncodeProgress(EncodePhase Phase, long BytesDone, long TotalBytes);
