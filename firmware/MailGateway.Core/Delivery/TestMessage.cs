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
            NoticeHeader.Write(b, "MailGateway on " + hostname + " <MAILER-DAEMON@" + hostname + ">", to,
                               "Test message from the mail gateway " + hostname, nowUnixMs, queueId + ".test@" + hostname);
            Line(b, "This message was sent with \"send test\" from the console of the mail gateway");
            Line(b, hostname + " (mailgw " + version + "), queue ID " + queueId + ".");
            Line(b, "");
            Line(b, "If you can read it, mail from this gateway reaches this address.");
            return b.ToArray();
        }

        private static void Line(ByteBuffer b, string text)
        {
            NoticeHeader.Line(b, text);
        }
    }
}
