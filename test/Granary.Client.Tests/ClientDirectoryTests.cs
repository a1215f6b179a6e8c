using Granary.Core.Files;
using Granary.Testing;

namespace Granary.Client.Tests;

public sealed class ClientDirectoryTests : IDisposable
{
    private readonly TempDirectory _dir = new("granary-client-dir");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void First_use_creates_secrets_0600_and_default_settings()
    {
        var client = ClientDirectory.OpenOrCreate(_dir.File("c"));
        Assert.Equal(32, client.ConvergenceSecret.Length);
        Assert.True(SecretFile.IsOwnerOnly(client.ConvergenceFile));
        Assert.Equal((3, 7, 10), (client.Config.Needed, client.Config.Happy, client.Config.Total));
        var again = ClientDirectory.OpenOrCreate(_dir.File("c"));
        Assert.Equal(client.ConvergenceSecret, again.ConvergenceSecret);
    }

    [Theory]
    [InlineData("{\"needed\":5,\"total\":3}", "needed (5) and total (3)")]
    [InlineData("{\"happy\":11}", "happy (11)")]
    [InlineData("{\"servers\":[\"http://nope\"]}", "not a storage URL")]
    [InlineData("{broken", "not valid JSON")]
    public void Broken_settings_say_what_is_wrong(string json, string reason)
    {
        Directory.CreateDirectory(_dir.File("c"));
        File.WriteAllText(Path.Combine(_dir.File("c"), "client.json"), json);
        var error = Assert.Throws<InvalidOperationException>(() => ClientDirectory.OpenOrCreate(_dir.File("c")));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
