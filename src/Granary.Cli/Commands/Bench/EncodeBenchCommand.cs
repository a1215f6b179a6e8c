using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Granary.Core.Chk;
using Granary.Core.Crypto;
using Granary.Core.Erasure;

namespace Granary.Cli.Commands.Bench;

/// <summary>
/// <c>granary bench encode FILE</c>: the whole CHK pipeline (key pass, encryption, erasure coding and
/// every hash tree) on one core and on all cores, beside this machine's single-stream SHA-256 rate
/// measured in the same run and the bound that rate implies.
/// </summary>
internal static class EncodeBenchCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The file to encode (read from the page cache after a first read)." };
        var k = new Option<int>("-k") { Description = "Shares needed.", DefaultValueFactory = _ => EncodingParameters.Default.K };
        var n = new Option<int>("-n") { Description = "Total shares.", DefaultValueFactory = _ => EncodingParameters.Default.N };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("encode", "Throughput of the whole CHK encode pipeline on FILE, against the SHA-256 bound.") { file, k, n, json };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var parse = context.Parse;
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                throw new UsageException($"'{path}' does not exist or is not a file");
            }

            var parameters = new EncodingParameters(parse.GetValue(k), parse.GetValue(n), EncodingParameters.DefaultMaxSegmentSize);
            try
            {
                parameters.Validate();
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }

            if (path.Length <= ChkParameters.MaxLiteralSize)
            {
                throw new UsageException("the file is a literal (URI:LIT) file; nothing to encode");
            }

            var result = await MeasureAsync(path.FullName, parameters, cancellationToken);
            if (parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(JsonSerializer.Serialize(result, BenchJson.Options));
                return GranaryCli.Success;
            }

            var passes = result.HashPasses;
            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"""
                CHK encode of {result.FileBytes:N0} bytes, {result.K}-of-{result.N}, 1 MiB segments
                kernels: Reed-Solomon {result.CodecKernel}, AES {result.Aes}, SHA-256 {result.HashLanes}
                SHA-256, one stream on this machine   {result.Sha256MBps,8:N0} MB/s
                bound at that rate: the format hashes the file {passes:0.##} times (key, crypttext segments,
                  whole crypttext, n/k of blocks)          {result.BoundMBps,8:N0} MB/s  (with the 2 + n/k count: {result.BoundTwoPlusMBps:N0} MB/s)
                pipeline, one core (per CPU-second)    {result.OneCoreMBps,8:N0} MB/s  ({result.OneCoreMBps / result.BoundMBps:0.00}x the bound, {result.OneCoreMBps / result.BoundTwoPlusMBps:0.00}x the 2 + n/k bound)
                pipeline, {result.Threads} cores (wall clock)        {result.AllCoresMBps,8:N0} MB/s  ({result.AllCoresMBps / result.OneCoreMBps:0.00}x one core)
                """));
            return GranaryCli.Success;
        });
        return command;
    }

    internal sealed record EncodeResult(
        long FileBytes, int K, int N, string CodecKernel, string Aes, string HashLanes, double Sha256MBps, double HashPasses,
        double BoundMBps, double BoundTwoPlusMBps, double OneCoreMBps, int Threads, double AllCoresMBps);

    internal static async Task<EncodeResult> MeasureAsync(string path, EncodingParameters parameters, CancellationToken cancellationToken)
    {
        var secret = new byte[32];
        var size = new FileInfo(path).Length;

        // Warm the page cache and the JIT with one untimed run.
        await EncodeAsync(path, secret, parameters, Environment.ProcessorCount, cancellationToken);
        var sha = await Task.Run(Sha256Rate, cancellationToken);
        var one = await CpuTimeAsync(() => EncodeAsync(path, secret, parameters, 1, cancellationToken));
        var all = await WallTimeAsync(() => EncodeAsync(path, secret, parameters, Environment.ProcessorCount, cancellationToken));

        var passes = 3 + (double)parameters.N / parameters.K;
        using var aes = new AesCtr(new byte[16]);
        return new EncodeResult(
            size,
            parameters.K,
            parameters.N,
            ReedSolomonCodec.Get(parameters.K, parameters.N).KernelName,
            aes.Implementation,
            ChkEncoder.HashingImplementation,
            sha / 1e6,
            passes,
            sha / passes / 1e6,
            sha / (passes - 1) / 1e6,
            size / one / 1e6,
            Environment.ProcessorCount,
            size / all / 1e6);
    }

    private static async Task EncodeAsync(string path, byte[] secret, EncodingParameters parameters, int threads, CancellationToken cancellationToken)
    {
        await using var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan);
        await ImmutableFileEncoder.EncodeAsync(input, secret, parameters, cancellationToken: cancellationToken, threads: threads);
    }

    private static async Task<double> WallTimeAsync(Func<Task> run)
    {
        var clock = Stopwatch.StartNew();
        await run();
        return clock.Elapsed.TotalSeconds;
    }

    // The one-core figure is file bytes per CPU-second of a run with one encode thread: every thread
    // of the process counts (reader, encoder, the in-order hashing), so it is what one core would do.
    private static async Task<double> CpuTimeAsync(Func<Task> run)
    {
        using var process = Process.GetCurrentProcess();
        var before = process.TotalProcessorTime;
        await run();
        process.Refresh();
        return (process.TotalProcessorTime - before).TotalSeconds;
    }

    // Bytes per second of one SHA-256 stream over 1 MiB buffers for about a second: the platform's
    // implementation (SHA-NI where the CPU has it), as every single-stream hash in the pipeline uses.
    private static double Sha256Rate()
    {
        var buffer = new byte[1 << 20];
        Random.Shared.NextBytes(buffer);
        Span<byte> digest = stackalloc byte[32];
        for (var i = 0; i < 64; i++)
        {
            SHA256.HashData(buffer, digest);
        }

        var clock = Stopwatch.StartNew();
        long bytes = 0;
        while (clock.ElapsedMilliseconds < 1000)
        {
            SHA256.HashData(buffer, digest);
            bytes += buffer.Length;
        }

        return bytes / clock.Elapsed.TotalSeconds;
    }
}
