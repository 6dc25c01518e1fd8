// SmtpVerb (command words, per-state masks) and Reply (one reply line, with or without an RFC 3463
// enhanced code).
using MailGateway.Core.Smtp;
using Xunit;

namespace MailGateway.Tests.Smtp
{
    public class VerbAndReplyTests
    {
        [Theory]
        [InlineData("EHLO client.test", SmtpVerb.Ehlo, 5)]
        [InlineData("ehlo", SmtpVerb.Ehlo, 4)]
        [InlineData("HELO x", SmtpVerb.Helo, 5)]
        [InlineData("MAIL FROM:<>", SmtpVerb.Mail, 5)]
        [InlineData("Rcpt TO:<a@b>", SmtpVerb.Rcpt, 5)]
        [InlineData("DATA", SmtpVerb.Data, 4)]
        [InlineData("RSET", SmtpVerb.Rset, 4)]
        [InlineData("NOOP x", SmtpVerb.Noop, 5)]
        [InlineData("QUIT", SmtpVerb.Quit, 4)]
        [InlineData("VRFY u", SmtpVerb.Vrfy, 5)]
        [InlineData("HELP", SmtpVerb.Help, 4)]
        [InlineData("EXPN l", SmtpVerb.Expn, 5)]
        [InlineData("GET / HTTP/1.1", SmtpVerb.Http, 4)]
        [InlineData("post /", SmtpVerb.Http, 5)]
        [InlineData("HEAD /", SmtpVerb.Http, 5)]
        [InlineData("PUT /", SmtpVerb.Http, 4)]
        [InlineData("CONNECT h:25 HTTP/1.1", SmtpVerb.Http, 8)]
        [InlineData("", SmtpVerb.Unknown, 0)]
        [InlineData("MAILX", SmtpVerb.Unknown, 5)]
        [InlineData("MAI", SmtpVerb.Unknown, 3)]
        [InlineData(" MAIL", SmtpVerb.Unknown, 1)]
        [InlineData("STARTTLS", SmtpVerb.StartTls, 8)]
        [InlineData("starttls x", SmtpVerb.StartTls, 9)]
        [InlineData("STARTTLSX", SmtpVerb.Unknown, 9)]
        [InlineData("AUTH PLAIN", SmtpVerb.Auth, 5)]
        [InlineData("auth", SmtpVerb.Auth, 4)]
        [InlineData("GETX /", SmtpVerb.Unknown, 5)]
        public void Parse_FindsTheVerbAndWhereItsArgumentStarts(string line, int verb, int argumentStart)
        {
            Assert.Equal(verb, SmtpVerb.Parse(line, out int start));
            Assert.Equal(argumentStart, start);
        }

        [Fact]
        public void Names_AndDescribe_AreReadable()
        {
            Assert.Equal("RCPT", SmtpVerb.Name(SmtpVerb.Rcpt));
            Assert.Equal("?", SmtpVerb.Name(99));
            Assert.Equal("MAIL RCPT", SmtpVerb.Describe(SmtpVerb.Bit(SmtpVerb.Mail) | SmtpVerb.Bit(SmtpVerb.Rcpt) | SmtpVerb.Bit(SmtpVerb.Noop)));
            Assert.Equal("ReadingData", ServerState.Name(ServerState.ReadingData));
            Assert.Equal("?", ServerState.Name(-1));
            Assert.Equal("DataEnded", SessionEvent.Name(SessionEvent.DataEnded));
        }

        [Theory]
        [InlineData(250, "2.1.0", "Ok", true, "250 2.1.0 Ok")]
        [InlineData(250, "2.1.0", "Ok", false, "250 Ok")]
        [InlineData(354, null, "Go ahead", true, "354 Go ahead")]
        [InlineData(554, "5.7.1", "<a@b>: Relay access denied", true, "554 5.7.1 <a@b>: Relay access denied")]
        public void Format_WritesOneLine_WithTheEnhancedCodeOnlyWhenAsked(int code, string enhanced, string text, bool withEnhanced, string line)
        {
            Assert.Equal(line, new Reply(code, enhanced, text).Format(withEnhanced));
        }

        [Fact]
        public void WithText_KeepsCodeEnhancedCodeAndClose()
        {
            var reply = Replies.IdleTimeout.WithText("bye now");
            Assert.Equal(421, reply.Code);
            Assert.Equal("4.4.2", reply.Enhanced);
            Assert.True(reply.Closes);
            Assert.Equal("421 4.4.2 bye now", reply.ToString());
            Assert.False(reply.IsPositive);
            Assert.True(Replies.CannotVerify.IsPositive);
        }

        [Fact]
        public void ReplyTable_EnhancedCodesMatchTheirReplyClass()
        {
            foreach (var field in typeof(Replies).GetFields())
            {
                var reply = (Reply)field.GetValue(null);
                if (reply.Enhanced == null)
                {
                    // Intermediate replies carry no enhanced code: 354, and 334 whose text is Base64 (RFC 4954 §4).
                    Assert.Contains(reply.Code, new[] { 354, 334 });
                    continue;
                }
                Assert.Matches(@"^[245]\.\d{1,3}\.\d{1,3}$", reply.Enhanced);
                Assert.True(reply.Code / 100 == reply.Enhanced[0] - '0', field.Name);
            }
        }
    }
}
