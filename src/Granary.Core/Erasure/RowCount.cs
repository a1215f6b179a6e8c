namespace Granary.Core.Erasure;

/// <summary>
/// A compile-time row count: kernels are generic over it so the JIT emits one straight-line loop
/// per group size, with every accumulator in a register and no branches on the count.
/// </summary>
internal interface IRowCount
{
    static abstract int Count { get; }
}

internal readonly struct Rows1 : IRowCount
{
    public static int Count => 1;
}

internal readonly struct Rows2 : IRowCount
{
    public static int Count => 2;
}

internal readonly struct Rows3 : IRowCount
{
    public static int Count => 3;
}

internal readonly struct Rows4 : IRowCount
{
    public static int Count => 4;
}

internal readonly struct Rows5 : IRowCount
{
    public static int Count => 5;
}

internal readonly struct Rows6 : IRowCount
{
    public static int Count => 6;
}

internal readonly struct Rows7 : IRowCount
{
    public static int Count => 7;
}

internal readonly struct Rows8 : IRowCount
{
    public static int Count => 8;
}
