// The core's UTF-8 encoder gives exactly what .NET's Encoding.UTF8 gives: for every length class,
// for surrogate pairs, for lone and reversed surrogates (U+FFFD), and for seeded random strings.
using System.Text;
using MailGateway.Core.Text;

namespace MailGateway.Tests.Local;

public class Utf8Tests
{
    [Theory]
    [InlineData("", "")]
    [InlineData("a", "61")]
    [InlineData("\u007F", "7F")]
    [InlineData("\u0080", "C280")]
    [InlineData("ä", "C3A4")]
    [InlineData("\u07FF", "DFBF")]
    [InlineData("\u0800", "E0A080")]
    [InlineData("€", "E282AC")]
    [InlineData("\uFFFF", "EFBFBF")]
    [InlineData("\U0001F600", "F09F9880")]            // 😀, a surrogate pair
    [InlineData("\U0010FFFF", "F48FBFBF")]
    public void GetBytes_EncodesLikeRfc3629(string text, string hex)
    {
        Assert.Equal(hex, Convert.ToHexString(Utf8.GetBytes(text)));
        Assert.Equal(hex.Length / 2, Utf8.ByteCount(text));
    }

    // Lone surrogates as UTF-16 code units in hex: attribute strings cannot hold them.
    [Theory]
    [InlineData("D800", "EFBFBD")]                 // lone high surrogate
    [InlineData("DC00 0078", "EFBFBD78")]          // lone low surrogate
    [InlineData("DC00 D800", "EFBFBDEFBFBD")]      // reversed pair
    [InlineData("0061 DBFF", "61EFBFBD")]          // high surrogate at the end
    [InlineData("D83D D83D DE00", "EFBFBDF09F9880")] // high, then a pair
    public void GetBytes_LoneSurrogate_BecomesReplacementCharacter(string units, string hex)
    {
        string text = new string(units.Split(' ').Select(u => (char)Convert.ToInt32(u, 16)).ToArray());
        Assert.Equal(hex, Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(text)));
        Assert.Equal(hex, Convert.ToHexString(Utf8.GetBytes(text)));
        Assert.Equal(hex.Length / 2, Utf8.ByteCount(text));
    }

    [Fact]
    public void GetBytes_MatchesDotNet_ForRandomStrings()
    {
        var random = new Random(20261129);
        for (int round = 0; round < 5000; round++)
        {
            var chars = new char[random.Next(0, 24)];
            for (int i = 0; i < chars.Length; i++)
            {
                chars[i] = (random.Next(6)) switch
                {
                    0 => (char)random.Next(0, 0x80),
                    1 => (char)random.Next(0x80, 0x800),
                    2 => (char)random.Next(0x800, 0x10000),
                    3 => (char)random.Next(0xD800, 0xDC00),   // high surrogate, often paired below
                    4 => (char)random.Next(0xDC00, 0xE000),
                    _ => (char)random.Next(0xE000, 0x10000),
                };
                if (chars[i] >= 0xD800 && chars[i] < 0xDC00 && i + 1 < chars.Length && random.Next(3) > 0)
                {
                    chars[++i] = (char)random.Next(0xDC00, 0xE000);
                }
            }
            string text = new string(chars);
            byte[] expected = Encoding.UTF8.GetBytes(text);
            Assert.True(expected.AsSpan().SequenceEqual(Utf8.GetBytes(text)), "seed 20261129, round " + round + ": " + Convert.ToHexString(Encoding.Unicode.GetBytes(text)));
            Assert.Equal(expected.Length, Utf8.ByteCount(text));
        }
    }
}
