using System.Net.Http.Headers;
using Granary.Hosting;
using Granary.Client.Storage;
using Granary.Core.Caps;
using Granary.Core.Protocol;
using Granary.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Granary.Storage.Tests;

/// <summary>A storage node on real Kestrel on loopback, in a fresh directory, with an optional fake clock.</summary>
internal sealed class TestNode : IAsyncDisposable
{
    private static readonly HttpClient Http = StorageClient.CreateHttpClient();
    private readonly TempDirectory? _ownDirectory;
    private WebApplication _app;

    private TestNode(string path, TempDirectory? ownDirectory, TimeProvider time, WebApplication app, StorageUrl url, CapturedLog log)
    {
        Path = path;
        _ownDirectory = ownDirectory;
        Time = time;
        _app = app;
        Url = url;
        Log = log;
    }

    /// <summary>Every message the node has logged.</summary>
    public CapturedLog Log { get; }

    public string Path { get; }

    public TimeProvider Time { get; }

    public StorageUrl Url { get; private set; }

    public StorageClient Client => new(Url, Http);

    public IServiceProvider Services => _app.Services;

    public static async Task<TestNode> StartAsync(Action<StorageNodeOptions>? configure = null, TimeProvider? time = null)
    {
        var directory = new TempDirectory("granary-node");
        var options = new StorageNodeOptions { Port = 1, Capacity = 1L << 30, Reserved = 0 };
        configure?.Invoke(options);
        NodeDirectory.Create(directory.Path, options);
        var clock = time ?? TimeProvider.System;
        var log = new CapturedLog();
        var (app, url) = await LaunchAsync(directory.Path, clock, log);
        return new TestNode(directory.Path, directory, clock, app, url, log);
    }

    /// <summary>Stops the node and starts it again on the same directory (a restart).</summary>
    public async Task RestartAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        (_app, Url) = await LaunchAsync(Path, Time, Log);
    }

    /// <summary>A request with the node's authorization, for tests of the wire protocol itself.</summary>
    public HttpRequestMessage Request(HttpMethod method, string path, params (string Kind, byte[] Secret)[] secrets)
    {
        var request = new HttpRequestMessage(method, new Uri(Url.BaseAddress, "storage/v1/" + path));
        request.Headers.Authorization = AuthenticationHeaderValue.Parse(Url.AuthorizationHeader);
        foreach (var (kind, secret) in secrets)
        {
            request.Headers.TryAddWithoutValidation(StorageProtocol.SecretHeader, $"{kind} {Convert.ToBase64String(secret)}");
        }

        return request;
    }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request) => Http.SendAsync(request);

    public static StorageIndex RandomIndex() => StorageIndex.FromBytes(Guid.NewGuid().ToByteArray());

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _ownDirectory?.Dispose();
    }

    private static async Task<(WebApplication App, StorageUrl Url)> LaunchAsync(string path, TimeProvider time, CapturedLog log)
    {
        var node = NodeDirectory.Open(path);
        var app = StorageNodeHost.Build(node, new ServerHostOptions { Port = 0, Time = time, Logging = logging => logging.AddProvider(log) });
        await app.StartAsync();
        return (app, StorageNodeHost.ListeningUrl(app, node));
    }
}

/// <summary>Secrets a test client holds.</summary>
internal static class Secrets
{
    public static byte[] New() => System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
}
