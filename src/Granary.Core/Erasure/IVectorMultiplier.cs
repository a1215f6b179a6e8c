namespace Granary.Core.Erasure;

/// <summary>
/// What one instruction set contributes to <see cref="VectorGfKernel{TMultiplier, TVector, TInput}"/>:
/// how wide its vectors are, the table it wants per coefficient, and how it multiplies one vector of
/// input by one coefficient. <typeparamref name="TInput"/> is the input as loaded, ready to be
/// multiplied by many coefficients (split into nibbles, for the shuffle kernels).
/// </summary>
internal unsafe interface IVectorMultiplier<TVector, TInput>
    where TVector : unmanaged
    where TInput : unmanaged
{
    static abstract bool IsSupported { get; }

    static abstract string Name { get; }

    /// <summary>Bytes of one vector register: how far the inner loop steps.</summary>
    static abstract int VectorBytes { get; }

    /// <summary>Bytes of table per coefficient.</summary>
    static abstract int TableBytes { get; }

    static abstract void BuildTable(byte coefficient, Span<byte> table);

    static abstract TInput Load(byte* source);

    /// <summary>The input times the coefficient whose table starts at <paramref name="table"/>.</summary>
    static abstract TVector Multiply(TInput input, byte* table);

    static abstract TVector Xor(TVector left, TVector right);

    /// <summary><c>a ⊕ b ⊕ c</c>: one instruction where the CPU has a three-input logic op.</summary>
    static abstract TVector Xor(TVector a, TVector b, TVector c);

    static abstract void Store(TVector value, byte* target);
}
