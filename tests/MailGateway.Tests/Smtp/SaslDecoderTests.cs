// The AUTH decoders on their own: strict Base64, strict UTF-8 without Encoding, the PLAIN message.
// Each is checked against .NET's own decoders on the inputs where both must agree.
using System.Text;
using MailGateway.Core.Smtp;
using Xunit;

namespace MailGateway.Tests.Smtp
{
    public class SaslDecoderTests
    {
        [Theory]
        [InlineData("", "")]
        [InlineData("=", "")]
        [InlineData("YQ==", "a")]
        [InlineData("YWI=", "ab")]
        [InlineData("YWJj", "abc")]
        [InlineData("AGFsaWNlAHMzY3JldA==", "\0alice\0s3cret")]
        [InlineData("+/+/", "\xfb\xff\xbf")]
        public void Base64_Valid_Decodes(string text, string expected)
        {
            Assert.True(SaslDecoder.TryDecodeBase64(text, out byte[] bytes));
            Assert.Equal(Encoding.Latin1.GetBytes(expected), bytes);
        }

        [Theory]
        [InlineData("Y")]
        [InlineData("YQ=")]
        [InlineData("YQ")]
        [InlineData("Y===")]
        [InlineData("====")]
        [InlineData("YQ==YQ==")]
        [InlineData("Y Q==")]
        [InlineData(" YQ=")]
        [InlineData("YQ==\t")]
        [InlineData("YW-j")]
        [InlineData("YW_j")]
        [InlineData("*")]
        [InlineData("==")]
        public void Base64_Malformed_IsRefused(string text)
        {
            Assert.False(SaslDecoder.TryDecodeBase64(text, out _));
        }

        [Theory]
        [InlineData("alice")]
        [InlineData("jörg")]
        [InlineData("пароль")]
        [InlineData("パスワード")]
        [InlineData("key \U0001F511 x")]
        [InlineData("")]
        public void Utf8_Valid_DecodesLikeDotNet(string text)
        {
            byte[] bytes = Encoding.UTF8.GetBytes("xx" + text + "yy");
            Assert.True(SaslDecoder.TryDecodeUtf8(bytes, 2, bytes.Length - 4, out string decoded));
            Assert.Equal(text, decoded);
        }

        [Theory]
        [InlineData(new byte[] { 0x80 })]                     // lone continuation byte
        [InlineData(new byte[] { 0xC3 })]                     // truncated
        [InlineData(new byte[] { 0xE3, 0x81 })]               // truncated
        [InlineData(new byte[] { 0xC3, 0x28 })]               // bad continuation
        [InlineData(new byte[] { 0xC0, 0xAF })]               // overlong '/'
        [InlineData(new byte[] { 0xE0, 0x80, 0xAF })]         // overlong '/'
        [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]         // a surrogate
        [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })]   // above U+10FFFF
        [InlineData(new byte[] { 0xF8, 0x88, 0x80, 0x80, 0x80 })]
        [InlineData(new byte[] { 0xFF })]
        [InlineData(new byte[] { 0x61, 0x00, 0x62 })]         // NUL
        [InlineData(new byte[] { 0x61, 0x0A })]               // control character
        [InlineData(new byte[] { 0x7F })]                     // DEL
        public void Utf8_Malformed_IsRefused(byte[] bytes)
        {
            Assert.False(SaslDecoder.TryDecodeUtf8(bytes, 0, bytes.Length, out _));
        }

        [Theory]
        [InlineData("\0alice\0s3cret", "", "alice", "s3cret")]
        [InlineData("alice\0alice\0s3cret", "alice", "alice", "s3cret")]
        [InlineData("\0j\u00f6rg\0p\u00e4ss", "", "j\u00f6rg", "p\u00e4ss")]
        public void Plain_Valid_Splits(string message, string authzid, string authcid, string password)
        {
            Assert.True(SaslDecoder.TryParsePlain(Encoding.UTF8.GetBytes(message), out string z, out string c, out string p));
            Assert.Equal(authzid, z);
            Assert.Equal(authcid, c);
            Assert.Equal(password, p);
        }

        [Theory]
        [InlineData("")]
        [InlineData("alice")]
        [InlineData("\0alice")]
        [InlineData("\0\0s3cret")]
        [InlineData("\0alice\0")]
        [InlineData("\0alice\0s3cret\0")]
        [InlineData("\0\0")]
        public void Plain_Malformed_IsRefused(string message)
        {
            Assert.False(SaslDecoder.TryParsePlain(Encoding.UTF8.GetBytes(message), out _, out _, out _));
        }
    }
}
