using System.Security.Cryptography;
using System.Text;
using Granary.Core.Proofs;

namespace Granary.Core.Tests.Proofs;

public sealed class GenesisChunkTests
{
    [Fact]
    public void The_stand_in_genesis_encrypts_to_the_known_chunks()
    {
        var genesis = new byte[1 << 20];
        using (var random = new RandomIo("granary-genesis"))
        {
            random.Read(0, genesis);
        }

        var checkedCases = 0;
        foreach (var v in ProofVectors.Proofs.GetProperty("file_encryptor").EnumerateArray())
        {
            var secret = v.GetProperty("passphrase").GetString();
            if (!v.TryGetProperty("genesis", out _))
            {
                var plaintext = Encoding.UTF8.GetBytes(v.Text("plaintext_utf8"));
                Assert.Equal(v.Text("key"), Hex.Of(GenesisChunk.Key(plaintext, secret)));
                Assert.Equal(v.Text("encrypted"), Hex.Of(GenesisChunk.Create(plaintext, secret)));
                checkedCases++;
                continue;
            }

            Assert.Equal(v.Text("genesis_sha256"), Hex.Of(SHA256.HashData(genesis)));
            var key = GenesisChunk.Key(genesis, secret);
            Assert.Equal(v.Text("key"), Hex.Of(key));
            var chunk = GenesisChunk.Create(genesis, secret);
            Assert.Equal(v.Text("encrypted_first32"), Hex.Of(chunk.AsSpan(0, 32)));
            Assert.Equal(v.Text("encrypted_last16"), Hex.Of(chunk.AsSpan(chunk.Length - 16)));
            Assert.Equal(v.Text("encrypted_sha256_file_hash"), Hex.Of(SHA256.HashData(chunk)));

            GenesisChunk.Transform(key, chunk);
            Assert.True(chunk.AsSpan().SequenceEqual(genesis));
            checkedCases++;
        }

        Assert.Equal(3, checkedCases);
    }
}
