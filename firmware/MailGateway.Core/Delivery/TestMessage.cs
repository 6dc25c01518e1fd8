// The console's "send test ADDRESS": a short plain-text message from the gateway to an address,
// queued and delivered like any other, so an operator can see mail go all the way out (the queue
// and the log follow it). From the null sender, as the gateway's own notices are, so a failure is
// logged rather than bounced back into the gateway (RFC 3834 Auto-Submitted).
using MailGateway.Core.Text;

namespace MailGateway.Core.Delivery
{
    public static class TestMessage
    {
        /// <summary>The whole message (CRLF lines); nowUnixMs must be a known wall clock (its Date).</summary>
        public static byte[] Bytes(string hostname, string to, string queueId, long nowUnixMs, string version)
        {
            ByteBuffer b = new ByteBuffer(1024);
            Line(b, "From: MailGateway on " + hostname + " <MAILER-DAEMON@" + hostname + ">");
            Line(b, "To: <" + to + ">");
            Line(b, "Subject: Test message from the mail gateway " + hostname);
            Line(b, "Date: " + RfcDate.Format(nowUnixMs));
            Line(b, "Message-ID: <" + queueId + ".test@" + hostname + ">");
            Line(b, "Auto-Submitted: auto-generated");
            Line(b, "MIME-Version: 1.0");
            Line(b, "Content-Type: text/plain; charset=us-ascii");
            Line(b, "");
            Line(b, "This message was sent with \"send test\" from the console of the mail gateway");
            Line(b, hostname + " (mailgw " + version + "), queue ID " + queueId + ".");
            Line(b, "");
            Line(b, "If you can read it, mail from this gateway reaches this address.");
            return b.ToArray();
        }

        private static void Line(ByteBuffer b, string text)
        {
            b.Append(text);
            b.Append("\r\n");
        }
    }
}
