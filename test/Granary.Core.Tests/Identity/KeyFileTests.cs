using Granary.Core.Files;
using Granary.Core.Identity;
using Granary.Testing;

namespace Granary.Core.Tests.Identity;

public sealed class KeyFileTests : IDisposable
{
    private readonly TempDirectory _dir = new("granary-keyfile");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_written_key_reads_back_with_mode_0600()
    {
        using var key = NodeKey.Generate();
        var path = _dir.File("node.key");
        KeyFile.Write(path, key);
        using var back = KeyFile.Read(path);
        Assert.Equal(key.NodeId, back.NodeId);
        Assert.True(SecretFile.IsOwnerOnly(path));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void An_existing_key_is_never_overwritten_by_default()
    {
        using var key = NodeKey.Generate();
        var path = _dir.File("node.key");
        KeyFile.Write(path, key);
        Assert.Throws<IOException>(() => KeyFile.Write(path, key));
    }

    [Fact]
    public void An_extended_key_is_kept_as_its_xprv_and_its_own_key_is_the_node_key()
    {
        var xprv = "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi";
        using var key = NodeKey.Parse(xprv);
        var path = _dir.File("hwif.key");
        KeyFile.Write(path, key);
        Assert.Contains(xprv, File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Equal(ExtendedKey.Parse(xprv).PublicKey.NodeId, KeyFile.Read(path).NodeId);
    }

    [Theory]
    [InlineData("", "not JSON")]
    [InlineData("{}", "not a Granary key file")]
    [InlineData("{\"format\":\"granary-key\",\"version\":2,\"key\":\"x\"}", "version 2")]
    [InlineData("{\"format\":\"granary-key\",\"version\":1}", "no \"key\"")]
    [InlineData("{\"format\":\"granary-key\",\"version\":1,\"key\":\"xpub661MyMwAqRbcFtXgS5sYJABqqG9YLmC4Q1Rdap9gSE8NqtwybGhePY2gZ29ESFjqJoCu1Rupje8YtGqsefD265TMg7usUDFdp6W1EGMcet8\"}", "public key")]
    public void Broken_key_files_say_what_is_wrong(string contents, string reason)
    {
        var path = _dir.File("bad.key");
        File.WriteAllText(path, contents);
        var error = Assert.Throws<FormatException>(() => KeyFile.Read(path));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
