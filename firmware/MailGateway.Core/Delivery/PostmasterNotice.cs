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
            NoticeHeader.Write(b, "Mail Delivery System <MAILER-DAEMON@" + _hostname + ">", _to,
                               setAside.Length.ToString() + " damaged queue file(s) set aside on " + _hostname, _nowUnixMs,
                               _queueId + ".notice@" + _hostname);
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
            NoticeHeader.Line(b, text);
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
