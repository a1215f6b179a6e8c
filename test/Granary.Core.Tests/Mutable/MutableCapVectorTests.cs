using System.Security.Cryptography;
using Granary.Core.Caps;
using Granary.Core.Formats;
using Granary.Core.Leases;
using Granary.Core.Mutable;
using Granary.Testing.Vectors;

namespace Granary.Core.Tests.Mutable;

public class MutableCapVectorTests
{
    public static TheoryData<int> VectorIndexes => MutableSample.Indexes(MutableSample.CapVectors.Count);

    [Fact]
    public void The_sample_holds_12_SDMF_and_12_MDMF_vectors_three_with_intermediates()
    {
        var vectors = MutableSample.CapVectors;
        Assert.Equal(12, vectors.Count(v => v.Format == MutableFormat.Sdmf));
        Assert.Equal(12, vectors.Count(v => v.Format == MutableFormat.Mdmf));
        Assert.Equal([1, 2, 22], vectors.Where(v => v.Intermediate is not null).Select(v => v.Index));
    }

    [Theory]
    [MemberData(nameof(VectorIndexes))]
    public void Every_sample_vector_gives_Tahoes_caps(int index)
    {
        var vector = MutableSample.CapVectors[index];
        using var key = SigningKey.FromPem(vector.KeyPem);
        var cap = MutableWriteCap.FromKey(key, vector.Format);

        Assert.Equal(vector.Expected, cap.ToString());
        Assert.Equal(cap, Cap.Parse(vector.Expected));
        Assert.True(cap.Matches(key));
    }

    [Theory]
    [MemberData(nameof(VectorIndexes))]
    public void Every_derived_cap_parses_back_to_itself(int index)
    {
        var vector = MutableSample.CapVectors[index];
        var write = Assert.IsType<MutableWriteCap>(Cap.Parse(vector.Expected));
        Cap[] caps =
        [
            write, write.ReadCap, write.VerifyCap,
            new DirectoryCap(write), new DirectoryCap(write.ReadCap), new DirectoryCap(write.VerifyCap),
        ];
        foreach (var cap in caps)
        {
            var text = cap.ToString();
            Assert.Equal(text, Cap.Parse(text).ToString());
            Assert.Equal(cap, Cap.Parse(text));
            Assert.True(cap.TryGetStorageIndex(out var index2));
            Assert.Equal(write.StorageIndex, index2);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(22)]
    public void Intermediate_values_match_Tahoe(int vectorNumber)
    {
        var vector = MutableSample.CapVectors[vectorNumber - 1];
        var expected = vector.Intermediate!;
        using var key = SigningKey.FromPem(vector.KeyPem);
        var cap = MutableWriteCap.FromKey(key, vector.Format);

        Assert.Equal(expected.Str("privkey_der_hex"), Hex.Of(key.PrivateKeyDer));
        Assert.Equal(expected.Str("pubkey_der_hex"), Hex.Of(key.VerifyingKey.Der));
        Assert.Equal(expected.Str("writekey_hex"), Hex.Of(cap.WriteKey));
        Assert.Equal(expected.Str("readkey_hex"), Hex.Of(cap.ReadKey));
        Assert.Equal(expected.Str("storage_index_hex"), Hex.Of(cap.StorageIndex.Bytes));
        Assert.Equal(expected.Str("storage_index_base32"), cap.StorageIndex.ToString());
        Assert.Equal(expected.Str("fingerprint_hex"), Hex.Of(cap.Fingerprint));
        Assert.Equal(expected.Str("write_enabler_master_hex"), Hex.Of(cap.WriteEnablerMaster));
        Assert.Equal(expected.Str("encprivkey_hex"), Hex.Of(MutableSecrets.CryptPrivateKey(cap.WriteKey, key.PrivateKeyDer)));

        var caps = expected.Get("caps").AsMap();
        Assert.Equal(caps.Str("write"), cap.ToString());
        Assert.Equal(caps.Str("read"), cap.ReadCap.ToString());
        Assert.Equal(caps.Str("verify"), cap.VerifyCap.ToString());
        Assert.Equal(caps.Str("dir_write"), new DirectoryCap(cap).ToString());
        Assert.Equal(caps.Str("dir_read"), new DirectoryCap(cap).ReadOnlyCap!.ToString());
        Assert.Equal(caps.Str("dir_verify"), new DirectoryCap(cap).VerifyCap!.ToString());
    }

    [Fact]
    public void A_key_loads_alike_from_PKCS1_PEM_PKCS8_PEM_and_PKCS8_DER()
    {
        var vector = MutableSample.CapVectors[0];
        using var fromPkcs1 = SigningKey.FromPem(vector.KeyPem);
        using var fromPkcs8Pem = SigningKey.FromPem(fromPkcs1.ExportPem());
        using var fromDer = SigningKey.FromPkcs8(fromPkcs1.PrivateKeyDer);

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", fromPkcs1.ExportPem(), StringComparison.Ordinal);
        Assert.Equal(Hex.Of(fromPkcs1.PrivateKeyDer), Hex.Of(fromPkcs8Pem.PrivateKeyDer));
        Assert.Equal(Hex.Of(fromPkcs1.PrivateKeyDer), Hex.Of(fromDer.PrivateKeyDer));
        Assert.Equal(vector.Expected, MutableWriteCap.FromKey(fromDer, vector.Format).ToString());
    }

    [Fact]
    public void Keys_that_are_not_2048_bits_are_refused()
    {
        using var small = RSA.Create(1024);
        Assert.Throws<CryptographicException>(() => SigningKey.FromPkcs8(small.ExportPkcs8PrivateKey()));
        Assert.Throws<CryptographicException>(() => SigningKey.FromPem(small.ExportPkcs8PrivateKeyPem()));
    }

    [Fact]
    public void A_generated_key_has_Tahoes_shape_and_its_signatures_verify_with_a_32_byte_PSS_salt()
    {
        using var key = SigningKey.Generate();
        Assert.InRange(key.PrivateKeyDer.Length, 1214, 1219);
        Assert.Equal(294, key.VerifyingKey.Der.Length);
        Assert.Equal("30820122300d06092a864886f70d01010105000382010f003082010a0282010100", Hex.Of(key.VerifyingKey.Der[..33]));

        var message = "signed prefix"u8.ToArray();
        var signature = key.Sign(message);
        Assert.Equal(256, signature.Length);
        Assert.True(key.VerifyingKey.Verify(message, signature));
        Assert.False(key.VerifyingKey.Verify("another prefix"u8, signature));

        // PSS with the salt as long as the hash: a verifier fixed at salt length 32 accepts it.
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(key.VerifyingKey.Der, out _);
        Assert.True(rsa.VerifyData(message, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pss));
    }

    [Fact]
    public void Write_enablers_and_lease_secrets_match_the_recorded_publishes()
    {
        var kats = MutableSample.WriteEnablerKats;
        Assert.Equal(3, kats.Count);
        foreach (var kat in kats)
        {
            var cap = Assert.IsType<MutableWriteCap>(Cap.Parse(kat.Cap));
            var server = Base32.Decode(kat.ServerNodeId);
            var secrets = new LeaseSecrets(System.Text.Encoding.ASCII.GetBytes(kat.ClientLeaseSecret));

            Assert.Equal(kat.WriteEnabler, Hex.Of(cap.WriteEnabler(server)));
            Assert.Equal(kat.RenewSecret, Hex.Of(secrets.RenewSecret(cap.StorageIndex, server)));
            Assert.Equal(kat.CancelSecret, Hex.Of(secrets.CancelSecret(cap.StorageIndex, server)));
        }
    }

    [Fact]
    public void A_write_enabler_needs_a_20_byte_server_id()
    {
        var cap = Assert.IsType<MutableWriteCap>(Cap.Parse(MutableSample.CapVectors[0].Expected));
        Assert.Throws<ArgumentException>(() => cap.WriteEnabler(new byte[32]));
    }
}
