using Granary.Core.Caps;
using Granary.Core.Formats;
using Granary.Core.Leases;

namespace Granary.Core.Tests.Leases;

public class LeaseSecretsTests
{
    // Tahoe-LAFS docs/specifications/derive_renewal_secret.py, and the cancel secret from Tahoe's code.
    private static readonly LeaseSecrets Secrets = new(Base32.Decode("boity2cdh7jvl3ltaeebuiobbspjmbuopnwbde2yeh4k6x7jioga"));
    private static readonly StorageIndex Index = StorageIndex.Parse("vrttmwlicrzbt7gh5qsooogr7u");
    private static readonly byte[] TubId = Base32.Decode("v67jiisoty6ooyxlql5fuucitqiok2ic");

    [Fact]
    public void Renewal_secret_matches_Tahoe()
    {
        Assert.Equal("osd6wmc5vz4g3ukg64sitmzlfiaaordutrez7oxdp5kkze7zp5zq", Base32.Encode(Secrets.RenewSecret(Index, TubId)));
    }

    [Fact]
    public void Cancel_secret_matches_Tahoe()
    {
        Assert.Equal("yqe3mm5yl6uk76emoelvvu6apk7l4dadfozwkj5ox4hna3ryejwq", Base32.Encode(Secrets.CancelSecret(Index, TubId)));
    }

    [Fact]
    public void Secrets_differ_per_server_and_per_file()
    {
        var otherServer = new byte[20];
        Assert.NotEqual(Secrets.RenewSecret(Index, TubId), Secrets.RenewSecret(Index, otherServer));
        Assert.NotEqual(Secrets.RenewSecret(Index, TubId), Secrets.RenewSecret(StorageIndex.FromBytes(new byte[16]), TubId));
        Assert.NotEqual(Secrets.RenewSecret(Index, TubId), Secrets.CancelSecret(Index, TubId));
    }

    [Fact]
    public void A_lease_seed_must_be_20_bytes()
    {
        Assert.Throws<ArgumentException>(() => Secrets.RenewSecret(Index, new byte[32]));
    }
}
