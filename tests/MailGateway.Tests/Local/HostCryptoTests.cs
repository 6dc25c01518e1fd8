// HostCrypto's PBKDF2-HMAC-SHA256 against published vectors (RFC 7914 §11, and the RFC 6070-style
// SHA-256 vectors used by many libraries), and its random bytes fill exactly the range asked for.
using MailGateway.Emulator.Platform;

namespace MailGateway.Tests.Local;

public class HostCryptoTests
{
    [Theory]
    [InlineData("passwd", "salt", 1, 64,
        "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")]
    [InlineData("Password", "NaCl", 80000, 64,
        "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d")]
    [InlineData("password", "salt", 1, 32, "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b")]
    [InlineData("password", "salt", 4096, 32, "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a")]
    [InlineData("passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096, 40,
        "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1c635518c7dac47e9")]
    public void Pbkdf2Sha256_MatchesPublishedVectors(string password, string salt, int iterations, int length, string hex)
    {
        byte[] key = new HostCrypto().Pbkdf2Sha256(System.Text.Encoding.ASCII.GetBytes(password),
            System.Text.Encoding.ASCII.GetBytes(salt), iterations, length);
        Assert.Equal(hex, Convert.ToHexStringLower(key));
    }

    [Fact]
    public void RandomBytes_FillsOnlyTheRange()
    {
        var crypto = new HostCrypto();
        byte[] buffer = new byte[40];
        crypto.RandomBytes(buffer, 4, 32);
        Assert.Equal(new byte[4], buffer[..4]);
        Assert.Equal(new byte[4], buffer[36..]);
        Assert.NotEqual(new byte[32], buffer[4..36]); // 2^-256
        byte[] other = new byte[40];
        crypto.RandomBytes(other, 4, 32);
        Assert.NotEqual(buffer, other);
    }
}
