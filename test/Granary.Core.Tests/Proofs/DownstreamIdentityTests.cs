using Granary.Core.Proofs;

namespace Granary.Core.Tests.Proofs;

public sealed class DownstreamIdentityTests
{
    [Fact]
    public void Signatures_verify_as_siggy_verified_them()
    {
        var vectors = ProofVectors.Proofs.GetProperty("siggy_verify_signature");
        Assert.Equal(FarmerSignature.Length, vectors.GetProperty("signature_length").GetInt32());
        var cases = 0;
        foreach (var v in vectors.GetProperty("cases").EnumerateArray())
        {
            Assert.True(
                v.GetProperty("valid").GetBoolean() == FarmerSignature.Verify(v.Text("message"), v.Text("signature"), v.Text("address")),
                $"{v.Text("address")} / '{v.Text("message")}' should be {v.GetProperty("valid")}");
            cases++;
        }

        Assert.Equal(6, cases);
    }

    [Fact]
    public void Malformed_addresses_and_signatures_are_refused_without_an_exception()
    {
        var good = ProofVectors.Proofs.GetProperty("siggy_verify_signature").GetProperty("cases")[0];
        var message = good.Text("message");
        var signature = good.Text("signature");
        Assert.False(FarmerSignature.Verify(message, signature, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy")); // version 5
        Assert.False(FarmerSignature.Verify(message, signature, "19qVgG8C6eXwKMMyvVegsi3xCsKyk3Z3jW")); // checksum
        Assert.False(FarmerSignature.Verify(message, signature[..87], good.Text("address")));
        Assert.False(FarmerSignature.Verify(message, new string('!', 88), good.Text("address")));
        Assert.False(FarmerSignature.Verify(message, "AAAA" + new string('!', 84), good.Text("address")));
        Assert.False(FarmerSignature.Verify(message, new string('A', 88), good.Text("address"))); // r = s = 0
    }

    [Fact]
    public void The_farmer_id_is_the_hash_of_the_raw_token_bytes()
    {
        var v = ProofVectors.Proofs.GetProperty("farmer_id");
        Assert.True(DownstreamToken.TryParse(v.Text("token"), out var token));
        Assert.Equal(v.Text("farmer_id"), token!.FarmerId);
        Assert.Equal(v.Text("token"), token.Token);
        Assert.False(DownstreamToken.TryParse(v.Text("token").ToUpperInvariant(), out _));
        Assert.False(DownstreamToken.TryParse(v.Text("token")[1..], out _));
        var random = DownstreamToken.CreateRandom();
        Assert.Matches("^[0-9a-f]{32}$", random.Token);
        Assert.NotEqual(random.Token, DownstreamToken.CreateRandom().Token);
    }
}
