// Pbkdf2Steps and PasswordCheck: PBKDF2-HMAC-SHA256 done a few iterations per loop pass gives the
// exact bytes of the one-shot function — RFC 7914 §11's PBKDF2-HMAC-SHA256 test vectors, RFC
// 6070-style vectors for SHA-256, and .NET's Rfc2898DeriveBytes for every split of the work
// (1 iteration per step, the block size ± 1, everything at once) and for keys that span several
// blocks or end inside one — and a PasswordCheck answers exactly as UserDirectory.Verify does.
using System.Security.Cryptography;
using MailGateway.Core.Local;

namespace MailGateway.Tests.Local;

public class Pbkdf2StepsTests
{
    /// <summary>The host's HMAC-SHA256, as the device's native one would be.</summary>
    internal sealed class DotNetHmac : IHmacSha256
    {
        public int Calls;

        public byte[] Mac(byte[] key, byte[] message)
        {
            Calls++;
            return HMACSHA256.HashData(key, message);
        }
    }

    static byte[] Ascii(string s) => System.Text.Encoding.ASCII.GetBytes(s);

    static byte[] RunToEnd(Pbkdf2Steps steps, int perStep)
    {
        int guard = 0;
        while (!steps.Step(perStep)) Assert.True(++guard < 10_000_000, "never finished");
        return steps.Result;
    }

    [Theory]
    // RFC 7914 §11 (scrypt's PBKDF2-HMAC-SHA256 vectors).
    [InlineData("passwd", "salt", 1, 64,
        "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")]
    [InlineData("Password", "NaCl", 80000, 64,
        "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d")]
    // RFC 6070's inputs with SHA-256 instead of SHA-1 (widely published values).
    [InlineData("password", "salt", 1, 32, "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b")]
    [InlineData("password", "salt", 2, 32, "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43")]
    [InlineData("password", "salt", 4096, 32, "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a")]
    public void Vector_GivesThePublishedKey(string password, string salt, int iterations, int length, string expectedHex)
    {
        var steps = new Pbkdf2Steps(new DotNetHmac(), Ascii(password), Ascii(salt), iterations, length);
        Assert.Equal(expectedHex, Convert.ToHexStringLower(RunToEnd(steps, 997)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(100)]
    [InlineData(int.MaxValue)]
    public void AnySplitOfTheWork_GivesTheOneShotKey(int perStep)
    {
        byte[] password = Ascii("correct horse"), salt = new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
        foreach (int length in new[] { 1, 16, 32, 33, 64, 80 })
        {
            byte[] expected = Rfc2898DeriveBytes.Pbkdf2(password, salt, 100, HashAlgorithmName.SHA256, length);
            var steps = new Pbkdf2Steps(new DotNetHmac(), password, salt, 100, length);
            Assert.Equal(expected, RunToEnd(steps, perStep));
        }
    }

    [Fact]
    public void Step_NeverDoesMoreThanItWasAllowed()
    {
        var prf = new DotNetHmac();
        var steps = new Pbkdf2Steps(prf, Ascii("pw"), Ascii("salt"), 50, 64);   // 2 blocks x 50
        Assert.Equal(100, steps.Remaining);
        Assert.False(steps.Step(7));
        Assert.Equal(7, prf.Calls);
        Assert.Equal(93, steps.Remaining);
        Assert.Null(steps.Result);
        Assert.False(steps.Step(50));                                          // crosses into block 2
        Assert.Equal(57, prf.Calls);
        Assert.True(steps.Step(1000));
        Assert.Equal(100, prf.Calls);
        Assert.Equal(0, steps.Remaining);
        Assert.Throws<InvalidOperationException>(() => steps.Step(1));
    }

    [Fact]
    public void Misuse_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => new Pbkdf2Steps(null, new byte[1], new byte[1], 1, 32));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Pbkdf2Steps(new DotNetHmac(), new byte[1], new byte[1], 0, 32));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Pbkdf2Steps(new DotNetHmac(), new byte[1], new byte[1], 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Pbkdf2Steps(new DotNetHmac(), new byte[1], new byte[1], 1, 32).Step(0));
    }

    [Theory]
    [InlineData("person1", "first secret", 1)]
    [InlineData("PERSON1", "first secret", 1)]
    [InlineData("person1", "wrong", 0)]
    [InlineData("nobody", "first secret", 0)]
    [InlineData("person2", "", 0)]
    public void PasswordCheck_AnswersAsVerifyDoes(string name, string password, int expected)
    {
        var users = new UserDirectory(64);
        var crypto = new TestCrypto();
        Assert.Null(users.Add("person1", "first secret", crypto));
        Assert.Null(users.Add("person2", "second secret", crypto));
        Assert.Equal(expected == 1, users.Verify(name, password, crypto));

        var prf = new DotNetHmac();
        var check = new PasswordCheck(users, name, System.Text.Encoding.UTF8.GetBytes(password), prf);
        int result, passes = 0;
        while ((result = check.Step(10)) == -1) passes++;
        Assert.Equal(expected, result);
        Assert.Equal(64, prf.Calls);           // the same work for a known and an unknown name
        Assert.Equal(6, passes);               // 64 iterations at 10 per pass: 6 passes say "running"
        Assert.Equal(expected, check.Step(10)); // asking again gives the same answer
    }
}
