// A short plain-text report from the gateway to queue.postmaster about trouble nobody else would
// hear of: damaged queue files that recovery set aside (.BAD) at start-up. RFC 5322 header with
// Auto-Submitted: auto-generated (RFC 3834), sent from the null sender so that it is never bounced.
using MailGateway.Core.Text;

namespace MailGateway.Core.Delivery
{
    public sealed class PostmasterNotice
    {
        private readonly string _hostname;
        private readonly string _to;
        private readonly string _queueId;
        private readonly long _nowUnixMs;

        public PostmasterNotice(string hostname, string to, string queueId, long nowUnixMs)
        {
            _hostname = hostname;
            _to = to;
            _queueId = queueId;
            _nowUnixMs = nowUnixMs;
        }

        /// <summary>The whole message (CRLF lines) listing the files set aside, one line each.</summary>
        public byte[] Bytes(string[] setAside)
        {
            ByteBuffer b = new ByteBuffer(1024 + 200 * setAside.Length);
            Line(b, "From: Mail Delivery System <MAILER-DAEMON@" + _hostname + ">");
            Line(b, "To: <" + _to + ">");
            Line(b, "Subject: " + setAside.Length.ToString() + " damaged queue file(s) set aside on " + _hostname);
            Line(b, "Date: " + RfcDate.Format(_nowUnixMs));
            Line(b, "Message-ID: <" + _queueId + ".notice@" + _hostname + ">");
            Line(b, "Auto-Submitted: auto-generated");
            Line(b, "MIME-Version: 1.0");
            Line(b, "Content-Type: text/plain; charset=us-ascii");
            Line(b, "");
            Line(b, "This is the mail system at host " + _hostname + ".");
            Line(b, "");
            Line(b, "At start-up these queue files failed their checks (a torn write, a bad card");
            Line(b, "sector). They were renamed to .BAD and kept on the card for you to inspect;");
            Line(b, "they will not be delivered. Their senders were not told.");
            Line(b, "");
            for (int i = 0; i < setAside.Length; i++) Line(b, Printable(setAside[i]));
            return b.ToArray();
        }

        private static void Line(ByteBuffer b, string text)
        {
            // RFC 5322 §2.1.1: keep lines short; the file names and reasons are.
            b.Append(text.Length > 990 ? text.Substring(0, 990) : text);
            b.Append("\r\n");
        }

        private static string Printable(string text)
        {
            char[] chars = text.ToCharArray();
            for (int i = 0; i < chars.Length; i++)
            {
                if (chars[i] < ' ' || chars[i] > '~') chars[i] = '?';
            }
            return new string(chars);
        }
    }
}
