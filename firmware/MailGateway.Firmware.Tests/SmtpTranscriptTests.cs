// A few SMTP server session transcripts from tests/MailGateway.Tests (Smtp/SessionCommandTests),
// run on the board or the nanoCLR against the same core assembly: the greeting, EHLO's
// extensions, RCPT before MAIL (503 5.5.1), a stranger relaying (554 5.7.1), and QUIT (221, with its enhanced code after EHLO).
// The session is driven as the gateway's loop drives it: bytes in with Receive, replies out
// with PollTransmit into a caller-owned buffer. RFC 5321 §4.1, §4.3.2; RFC 2034 enhanced codes.
using MailGateway.Core.Relay;
using MailGateway.Core.Smtp;
using MailGateway.Core.Spool;
using nanoFramework.TestFramework;
using MailGateway.Core.Runtime;

namespace MailGateway.Firmware.Tests
{
    [TestClass]
    public class SmtpTranscriptTests
    {
        private const string Stranger = "198.51.100.7";

        private static SmtpServerSession NewSession(string client)
        {
            ServerSettings settings = new ServerSettings();
            settings.Hostname = "mx.local.test";
            RelayPolicy policy = new RelayPolicy(new string[] { "local.test" }, new string[0],
                                                 new CidrRange[] { CidrRange.Parse("192.0.2.0/24") });
            return new SmtpServerSession(settings, policy, new SpoolSpace(1L << 30), client, 1000000);
        }

        // Offers the client's line (CRLF added) and returns everything the session answers.
        private static string Say(SmtpServerSession session, string line)
        {
            if (line != null)
            {
                byte[] bytes = MailGateway.Core.Text.Ascii.GetBytes(line + "\r\n");
                int taken = 0;
                while (taken < bytes.Length)
                {
                    int n = session.Receive(bytes, taken, bytes.Length - taken, 1000000);
                    if (n <= 0) break;
                    taken += n;
                }
            }
            byte[] output = new byte[1024];
            int count = Transmitter.Copy(session, output, 0, output.Length);
            return MailGateway.Core.Text.Ascii.GetString(output, 0, count);
        }

        [TestMethod]
        public void Connect_Greets220WithHostname()
        {
            Assert.AreEqual("220 mx.local.test ESMTP MailGateway\r\n", Say(NewSession(Stranger), null));
        }

        [TestMethod]
        public void Ehlo_AdvertisesPipeliningSizeEightBitMimeAndEnhancedStatusCodes()
        {
            SmtpServerSession s = NewSession(Stranger);
            Say(s, null);
            Assert.AreEqual("250-mx.local.test\r\n250-PIPELINING\r\n250-SIZE 10485760\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n",
                            Say(s, "EHLO client.test"));
        }

        [TestMethod]
        public void Rcpt_BeforeMail_Replies503()
        {
            SmtpServerSession s = NewSession(Stranger);
            Say(s, null);
            Say(s, "EHLO client.test");
            Assert.AreEqual("503 5.5.1 Bad sequence of commands; expected EHLO HELO MAIL\r\n", Say(s, "RCPT TO:<user@local.test>"));
        }

        [TestMethod]
        public void Rcpt_ForAForeignDomain_FromAStranger_IsRelayDenied()
        {
            SmtpServerSession s = NewSession(Stranger);
            Say(s, null);
            Say(s, "EHLO client.test");
            Assert.AreEqual("250 2.1.0 Ok\r\n", Say(s, "MAIL FROM:<sender@client.test>"));
            string reply = Say(s, "RCPT TO:<x@example.net>");
            Assert.AreEqual(true, reply.StartsWith("554 5.7.1 "), reply);
        }

        [TestMethod]
        public void Quit_AfterEhlo_Replies221WithEnhancedCode()
        {
            SmtpServerSession s = NewSession(Stranger);
            Say(s, null);
            Say(s, "EHLO client.test");
            Assert.AreEqual("221 2.0.0 Bye\r\n", Say(s, "QUIT"));
        }
    }
}
