// The header of a short plain-text message the gateway writes itself (the postmaster notice of
// damaged queue files, the console's test message): RFC 5322 fields, Auto-Submitted (RFC 3834) so
// that responders do not answer it, US-ASCII text. Lines end in CRLF and stay short (§2.1.1).
using MailGateway.Core.Text;

namespace MailGateway.Core.Delivery
{
    public static class NoticeHeader
    {
        public static void Write(ByteBuffer b, string from, string to, string subject, long nowUnixMs, string messageId)
        {
            Line(b, "From: " + from);
            Line(b, "To: <" + to + ">");
            Line(b, "Subject: " + subject);
            Line(b, "Date: " + RfcDate.Format(nowUnixMs));
            Line(b, "Message-ID: <" + messageId + ">");
            Line(b, "Auto-Submitted: auto-generated");
            Line(b, "MIME-Version: 1.0");
            Line(b, "Content-Type: text/plain; charset=us-ascii");
            Line(b, "");
        }

        /// <summary>One line and its CRLF, cut at 990 characters.</summary>
        public static void Line(ByteBuffer b, string text)
        {
            b.Append(text.Length > 990 ? text.Substring(0, 990) : text);
            b.Append("\r\n");
        }
    }
}
