namespace Granary.Core.Erasure;

/// <summary>A small dense matrix over GF(2^8), row-major: the coding matrices, not the data.</summary>
internal sealed class GfMatrix
{
    private readonly byte[] _cells;

    public GfMatrix(int rows, int columns)
    {
        Rows = rows;
        Columns = columns;
        _cells = new byte[rows * columns];
    }

    public int Rows { get; }

    public int Columns { get; }

    /// <summary>All cells, row after row: the layout the kernels take coefficients in.</summary>
    public ReadOnlySpan<byte> Cells => _cells;

    public byte this[int row, int column]
    {
        get => _cells[row * Columns + column];
        set => _cells[row * Columns + column] = value;
    }

    public ReadOnlySpan<byte> Row(int row) => _cells.AsSpan(row * Columns, Columns);

    /// <summary>
    /// zfec's n × k Vandermonde matrix: row 0 evaluates at 0 (so it is 1, 0, …, 0), row r ≥ 1 at
    /// α^(r−1), i.e. <c>V[r][c] = α^((r−1)·c)</c>. The n points are distinct for every n ≤ 256.
    /// </summary>
    public static GfMatrix Vandermonde(int rows, int columns)
    {
        var v = new GfMatrix(rows, columns);
        v[0, 0] = 1;
        for (var r = 1; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                v[r, c] = GaloisField.Exp((r - 1) * c);
            }
        }

        return v;
    }

    public GfMatrix Multiply(GfMatrix right)
    {
        if (Columns != right.Rows)
        {
            throw new ArgumentException("Matrix shapes do not match.", nameof(right));
        }

        var product = new GfMatrix(Rows, right.Columns);
        for (var r = 0; r < Rows; r++)
        {
            for (var c = 0; c < right.Columns; c++)
            {
                byte sum = 0;
                for (var i = 0; i < Columns; i++)
                {
                    sum ^= GaloisField.Multiply(this[r, i], right[i, c]);
                }

                product[r, c] = sum;
            }
        }

        return product;
    }

    public GfMatrix SelectRows(ReadOnlySpan<int> rows)
    {
        var selected = new GfMatrix(rows.Length, Columns);
        for (var i = 0; i < rows.Length; i++)
        {
            Row(rows[i]).CopyTo(selected._cells.AsSpan(i * Columns, Columns));
        }

        return selected;
    }

    /// <summary>The inverse by Gauss-Jordan elimination. Throws when the matrix is singular.</summary>
    public GfMatrix Invert()
    {
        if (Rows != Columns)
        {
            throw new InvalidOperationException("Only a square matrix has an inverse.");
        }

        var n = Rows;
        var work = new GfMatrix(n, n);
        _cells.CopyTo(work._cells, 0);
        var inverse = Identity(n);
        for (var col = 0; col < n; col++)
        {
            var pivot = col;
            while (pivot < n && work[pivot, col] == 0)
            {
                pivot++;
            }

            if (pivot == n)
            {
                throw new InvalidOperationException("The matrix is singular.");
            }

            work.SwapRows(col, pivot);
            inverse.SwapRows(col, pivot);
            var scale = GaloisField.Inverse(work[col, col]);
            work.ScaleRow(col, scale);
            inverse.ScaleRow(col, scale);
            for (var row = 0; row < n; row++)
            {
                var factor = work[row, col];
                if (row != col && factor != 0)
                {
                    work.AddScaledRow(row, col, factor);
                    inverse.AddScaledRow(row, col, factor);
                }
            }
        }

        return inverse;
    }

    public static GfMatrix Identity(int size)
    {
        var identity = new GfMatrix(size, size);
        for (var i = 0; i < size; i++)
        {
            identity[i, i] = 1;
        }

        return identity;
    }

    private void SwapRows(int a, int b)
    {
        if (a == b)
        {
            return;
        }

        for (var c = 0; c < Columns; c++)
        {
            (this[a, c], this[b, c]) = (this[b, c], this[a, c]);
        }
    }

    private void ScaleRow(int row, byte factor)
    {
        for (var c = 0; c < Columns; c++)
        {
            this[row, c] = GaloisField.Multiply(this[row, c], factor);
        }
    }

    // row ← row + factor · source (subtraction is addition in GF(2^8)).
    private void AddScaledRow(int row, int source, byte factor)
    {
        for (var c = 0; c < Columns; c++)
        {
            this[row, c] ^= GaloisField.Multiply(this[source, c], factor);
        }
    }
}
