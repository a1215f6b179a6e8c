using Granary.Core.Erasure;

namespace Granary.Core.Tests.Erasure;

/// <summary>Every SIMD kernel this CPU runs must match the scalar reference byte for byte.</summary>
public class GfKernelTests
{
    public static TheoryData<string> KernelNames()
    {
        var data = new TheoryData<string>();
        foreach (var kernel in GfKernel.Available())
        {
            data.Add(kernel.Name);
        }

        return data;
    }

    private static GfKernel Kernel(string name) => GfKernel.Available().Single(k => k.Name == name);

    /// <summary>Output blocks 0 … rows − 1: row r of the product goes to block r.</summary>
    private static int[] InOrder(int rows) => [.. Enumerable.Range(0, rows)];

    [Fact]
    public void The_scalar_kernel_is_always_available_and_last()
    {
        Assert.Equal("scalar", GfKernel.Available().Last().Name);
        Assert.Equal(GfKernel.Available().First().Name, GfKernel.Best.Name);
    }

    [Theory]
    [MemberData(nameof(KernelNames))]
    public void Kernel_matches_scalar_for_every_group_size_and_tail(string name)
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var kernel = Kernel(name);
        foreach (var (rows, columns) in new[] { (1, 1), (1, 3), (7, 3), (4, 10), (8, 8), (9, 2), (17, 5), (51, 29), (3, 71) })
        {
            foreach (var length in new[] { 0, 1, 15, 31, 63, 64, 65, 127, 200, 1000, 4096 + 17, 40_000 })
            {
                var coefficients = new byte[rows * columns];
                random.NextBytes(coefficients);
                var input = new byte[columns * length];
                random.NextBytes(input);
                var expected = new byte[rows * length];
                var actual = new byte[rows * length];
                ScalarGfKernel.Instance.Multiply(ScalarGfKernel.Instance.Prepare(coefficients, rows, columns), input, length, expected, length, InOrder(rows), length);
                kernel.Multiply(kernel.Prepare(coefficients, rows, columns), input, length, actual, length, InOrder(rows), length);
                Assert.True(expected.AsSpan().SequenceEqual(actual), $"{name}: {rows}x{columns}, {length} bytes, seed {seed}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(KernelNames))]
    public void Kernel_honours_strides_and_leaves_the_gaps_alone(string name)
    {
        var kernel = Kernel(name);
        const int length = 300;
        const int stride = 384;
        var random = new Random(3);
        var coefficients = new byte[5 * 4];
        random.NextBytes(coefficients);
        var input = new byte[4 * stride];
        random.NextBytes(input);
        var output = Enumerable.Repeat((byte)0xAB, 5 * stride).ToArray();
        kernel.Multiply(kernel.Prepare(coefficients, 5, 4), input, stride, output, stride, InOrder(5), length);

        var packedInput = new byte[4 * length];
        for (var c = 0; c < 4; c++)
        {
            input.AsSpan(c * stride, length).CopyTo(packedInput.AsSpan(c * length));
        }

        var expected = new byte[5 * length];
        ScalarGfKernel.Instance.Multiply(ScalarGfKernel.Instance.Prepare(coefficients, 5, 4), packedInput, length, expected, length, InOrder(5), length);
        for (var r = 0; r < 5; r++)
        {
            Assert.Equal(expected.AsSpan(r * length, length).ToArray(), output.AsSpan(r * stride, length).ToArray());
            Assert.All(output.AsSpan(r * stride + length, stride - length).ToArray(), b => Assert.Equal(0xAB, b));
        }
    }

    [Theory]
    [MemberData(nameof(KernelNames))]
    public void Kernel_writes_each_row_to_the_output_block_it_is_given(string name)
    {
        var kernel = Kernel(name);
        const int length = 300;
        var random = new Random(6);
        var coefficients = new byte[3 * 4];
        random.NextBytes(coefficients);
        var input = new byte[4 * length];
        random.NextBytes(input);
        var expected = new byte[3 * length];
        ScalarGfKernel.Instance.Multiply(ScalarGfKernel.Instance.Prepare(coefficients, 3, 4), input, length, expected, length, InOrder(3), length);

        int[] blocks = [4, 0, 2];
        var output = Enumerable.Repeat((byte)0xAB, 5 * length).ToArray();
        kernel.Multiply(kernel.Prepare(coefficients, 3, 4), input, length, output, length, blocks, length);
        for (var r = 0; r < 3; r++)
        {
            Assert.Equal(expected.AsSpan(r * length, length).ToArray(), output.AsSpan(blocks[r] * length, length).ToArray());
        }

        foreach (var untouched in new[] { 1, 3 })
        {
            Assert.All(output.AsSpan(untouched * length, length).ToArray(), b => Assert.Equal(0xAB, b));
        }
    }

    [Theory]
    [MemberData(nameof(KernelNames))]
    public void Kernel_refuses_an_output_block_outside_the_output(string name)
    {
        var kernel = Kernel(name);
        var matrix = kernel.Prepare([1, 2, 3, 4], 2, 2);
        var input = new byte[2 * 64];
        var output = new byte[2 * 64];
        Assert.Throws<ArgumentOutOfRangeException>(() => kernel.Multiply(matrix, input, 64, output, 64, [0, 2], 64));
        Assert.Throws<ArgumentOutOfRangeException>(() => kernel.Multiply(matrix, input, 64, output, 64, [-1, 1], 64));
        Assert.Throws<ArgumentOutOfRangeException>(() => kernel.Multiply(matrix, input.AsSpan(1), 64, output, 64, [0, 1], 64));
    }

    [Theory]
    [MemberData(nameof(KernelNames))]
    public void Codec_on_each_kernel_encodes_and_decodes_like_the_reference(string name)
    {
        var kernel = Kernel(name);
        var random = new Random(4);
        foreach (var (k, n) in new[] { (3, 10), (10, 14), (29, 80), (71, 255), (1, 2) })
        {
            const int length = 1111;
            var reference = new ReedSolomonCodec(k, n, ScalarGfKernel.Instance);
            var codec = new ReedSolomonCodec(k, n, kernel);
            var data = new byte[k * length];
            random.NextBytes(data);
            var expected = new byte[(n - k) * length];
            var actual = new byte[(n - k) * length];
            reference.Encode(data, expected, length);
            codec.Encode(data, actual, length);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{name} encode {k}-of-{n}");

            // Decode from the last k shares: every parity share first, so as many data blocks as possible are missing.
            var shares = Enumerable.Range(n - k, k).Reverse().ToArray();
            var all = data.Concat(expected).ToArray();
            var blocks = shares.SelectMany(s => all.AsSpan(s * length, length).ToArray()).ToArray();
            var decoded = new byte[k * length];
            codec.Decode(shares, blocks, decoded, length);
            Assert.True(data.AsSpan().SequenceEqual(decoded), $"{name} decode {k}-of-{n}");
        }
    }

    [Fact]
    public void Decoding_with_scattered_missing_blocks_writes_each_where_it_belongs()
    {
        var codec = ReedSolomonCodec.Get(6, 9);
        const int length = 777;
        var data = new byte[6 * length];
        new Random(5).NextBytes(data);
        var parity = new byte[3 * length];
        codec.Encode(data, parity, length);
        int[] shares = [0, 6, 2, 7, 4, 8]; // data blocks 1, 3 and 5 are missing
        var all = data.Concat(parity).ToArray();
        var blocks = shares.SelectMany(s => all.AsSpan(s * length, length).ToArray()).ToArray();
        var decoded = new byte[6 * length];
        codec.Decode(shares, blocks, decoded, length);
        Assert.Equal(data, decoded);
        codec.Decode(shares, blocks, decoded, length); // the cached plan gives the same answer
        Assert.Equal(data, decoded);
    }
}
