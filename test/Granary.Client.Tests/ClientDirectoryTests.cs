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
        Assert.Equal(32, client.Secrets.Convergence.Length);
        Assert.True(SecretFile.IsOwnerOnly(client.ConvergenceFile));
        Assert.Equal((3, 7, 10), (client.Config.Needed, client.Config.Happy, client.Config.Total));
        var again = ClientDirectory.OpenOrCreate(_dir.File("c"));
        Assert.Equal(client.Secrets.Convergence, again.Secrets.Convergence);
    }

    [Fact]
    public void Opening_a_directory_creates_nothing_until_a_secret_is_used()
    {
        var path = _dir.File("fresh");
        var client = ClientDirectory.Open(path);
        Assert.False(client.Configured);
        Assert.Equal(3, client.Config.Needed);
        Assert.False(Directory.Exists(path));
        Assert.Equal(32, client.Secrets.Leases.RenewSecret(Core.Caps.StorageIndex.FromBytes(new byte[16]), new byte[20]).Length);
        Assert.True(File.Exists(Path.Combine(path, "private", "secret")));
        Assert.False(File.Exists(client.ConvergenceFile));
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
