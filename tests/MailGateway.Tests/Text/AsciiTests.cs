// Ascii: the core's stand-in for Encoding, char.IsDigit and culture-free comparisons. One char
// per byte both ways, ASCII-only case folding.
using MailGateway.Core.Text;
using Xunit;

namespace MailGateway.Tests.Text
{
    public class AsciiTests
    {
        [Fact]
        public void Classes_MatchAsciiOnly_ForAll256Bytes()
        {
            for (int c = 0; c < 256; c++)
            {
                bool digit = c >= '0' && c <= '9';
                bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
                Assert.Equal(digit, Ascii.IsDigit(c));
                Assert.Equal(letter, Ascii.IsLetter(c));
                Assert.Equal(digit || letter, Ascii.IsLetterOrDigit(c));
                char expectedLower = c >= 'A' && c <= 'Z' ? (char)(c + 32) : (char)c;
                char expectedUpper = c >= 'a' && c <= 'z' ? (char)(c - 32) : (char)c;
                Assert.Equal(expectedLower, Ascii.ToLower((char)c));
                Assert.Equal(expectedUpper, Ascii.ToUpper((char)c));
            }
        }

        [Theory]
        [InlineData("MAIL FROM", "mail from")]
        [InlineData("Ünïcödé ÀB", "Ünïcödé Àb")]   // only ASCII letters fold
        [InlineData("", "")]
        [InlineData("already lower 123", "already lower 123")]
        public void ToLower_FoldsAsciiLettersOnly(string text, string expected)
        {
            Assert.Equal(expected, Ascii.ToLower(text));
        }

        [Theory]
        [InlineData("EHLO", "ehlo", true)]
        [InlineData("Local.Test", "lOCAL.tEST", true)]
        [InlineData("", "", true)]
        [InlineData("a", "b", false)]
        [InlineData("abc", "abcd", false)]
        [InlineData("Ä", "ä", false)]
        [InlineData(null, null, true)]
        [InlineData(null, "", false)]
        [InlineData("", null, false)]
        public void EqualsIgnoreCase_FoldsAsciiOnly(string a, string b, bool expected)
        {
            Assert.Equal(expected, Ascii.EqualsIgnoreCase(a, b));
        }

        [Theory]
        [InlineData("MAIL FROM:<a@b>", "mail from:", true)]
        [InlineData("FROM:", "from:", true)]
        [InlineData("FRO", "from:", false)]
        [InlineData("anything", "", true)]
        [InlineData("TO:<x>", "FROM:", false)]
        public void StartsWithIgnoreCase(string text, string prefix, bool expected)
        {
            Assert.Equal(expected, Ascii.StartsWithIgnoreCase(text, prefix));
        }

        [Fact]
        public void GetStringAndGetBytes_RoundTripAll256Bytes_NulIsNotAnEnd()
        {
            var bytes = Enumerable.Range(0, 256).Select(b => (byte)b).ToArray();
            string text = Ascii.GetString(bytes, 0, bytes.Length);
            Assert.Equal(256, text.Length);
            for (int i = 0; i < 256; i++) Assert.Equal((char)i, text[i]);
            Assert.Equal(bytes, Ascii.GetBytes(text));
        }

        [Fact]
        public void GetString_TakesTheGivenRange()
        {
            var bytes = Transcript("xxHELLOyy");
            Assert.Equal("HELLO", Ascii.GetString(bytes, 2, 5));
            Assert.Equal("", Ascii.GetString(bytes, 3, 0));
        }

        [Fact]
        public void GetBytes_CharAbove255_BecomesQuestionMark()
        {
            Assert.Equal(Transcript("a?b?"), Ascii.GetBytes("a\u0100b\u20ac"));
        }

        private static byte[] Transcript(string text) => System.Text.Encoding.Latin1.GetBytes(text);

        [Theory]
        [InlineData("0", 0L)]
        [InlineData("7", 7L)]
        [InlineData("10485760", 10485760L)]
        [InlineData("000123", 123L)]
        [InlineData("999999999999999999", 999999999999999999L)]
        public void TryParseLong_DecimalDigits_Parse(string text, long expected)
        {
            Assert.True(Ascii.TryParseLong(text, out long value));
            Assert.Equal(expected, value);
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData("-1")]
        [InlineData("+1")]
        [InlineData(" 1")]
        [InlineData("1 ")]
        [InlineData("1.0")]
        [InlineData("0x10")]
        [InlineData("١٢")]                      // Arabic-Indic digits are not ASCII digits
        [InlineData("1000000000000000000")]     // 19 digits: could overflow, refused
        [InlineData("9223372036854775808")]
        public void TryParseLong_AnythingElse_Fails(string text)
        {
            Assert.False(Ascii.TryParseLong(text, out _));
        }

        [Theory]
        [InlineData(0L, 2, "00")]
        [InlineData(7L, 2, "07")]
        [InlineData(59L, 2, "59")]
        [InlineData(123L, 2, "123")]
        [InlineData(5L, 4, "0005")]
        [InlineData(2027L, 4, "2027")]
        [InlineData(42L, 0, "42")]
        public void Digits_PadsWithZerosToTheWidth(long value, int width, string expected)
        {
            Assert.Equal(expected, Ascii.Digits(value, width));
        }

        [Theory]
        [InlineData("  client.test  ", "client.test")]
        [InlineData("\tclient.test\t", "client.test")]
        [InlineData(" \t a b \t ", "a b")]
        [InlineData("", "")]
        [InlineData("   ", "")]
        [InlineData("x", "x")]
        [InlineData("\r\nx\r\n", "\r\nx\r\n")]   // only space and tab are trimmed
        public void Trim_RemovesSpacesAndTabsAtBothEnds(string text, string expected)
        {
            Assert.Equal(expected, Ascii.Trim(text));
        }
    }
}
