using BenchmarkDotNet.Attributes;
using Granary.Core.Identity;

namespace Granary.Benchmarks.Identity;

/// <summary>
/// Bitcoin signed messages as a hub sees them (a dataserv auth header: address, date): signing,
/// verifying against a public key it already knows, and verifying by recovering the key from the
/// signature and comparing addresses. Each includes hashing the message and decoding base64.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class SignedMessageBenchmarks
{
    private const string Message = "16ZcxFDdkVJR1P8GMNmWFyhS4EKrRMsWNG Sat, 21 Nov 2026 18:27:26 +0000";
    private PrivateKey _key = null!;
    private string _address = null!;
    private string _signature = null!;

    [GlobalSetup]
    public void Setup()
    {
        _key = PrivateKey.ParseWif("KwpoWJhfAAqZJSpidUDFJThWqeYJBHFvxev9eX58EjViNrhXF4dC");
        _address = _key.Address.ToString();
        _signature = _key.SignMessage(Message);
    }

    [Benchmark]
    public string Sign() => _key.SignMessage(Message);

    [Benchmark]
    public bool VerifyWithKnownKey() => BitcoinMessage.Verify(_key.PublicKey, _signature, Message);

    [Benchmark]
    public bool VerifyByRecovery() => BitcoinMessage.Verify(_address, _signature, Message);

    [GlobalCleanup]
    public void Cleanup() => _key.Dispose();
}
