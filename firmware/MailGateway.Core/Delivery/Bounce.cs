// Builds a delivery status notification (RFC 3464, in an RFC 6522 multipart/report) for one message:
// a failure report for recipients that failed for good or ran out of time, or a delay warning for
// recipients still being retried. One DSN per message covers all its recipients of that kind.
//
// The report is written as text into Output in three steps, so that nothing large is ever held:
// Begin() (the message header and the human-readable part), then the original message's header
// section streamed through AddOriginalHeaders() (text/rfc822-headers, capped at MaxOriginalHeaders,
// cut at a line end), then Finish() (the machine-readable message/delivery-status part and the
// closing boundary). The caller empties Output into a spool file after each step.
//
// The DSN is sent with a null reverse-path (RFC 5321 §4.5.5) and Auto-Submitted: auto-replied
// (RFC 3834), so it is never bounced itself; the caller never bounces a message whose sender is null.
using MailGateway.Core.Spool;
using MailGateway.Core.Text;

namespace MailGateway.Core.Delivery
{
    public sealed class Bounce
    {
        public const int Failure = 0;
        public const int Delay = 1;

        /// <summary>Most bytes of the original header section quoted in the report.</summary>
        public const int MaxOriginalHeaders = 32 * 1024;

        private readonly int _kind;
        private readonly string _hostname;
        private readonly QueuedMessage _message;
        private readonly RecipientStatus[] _recipients;
        private readonly long _nowUnixMs;
        private readonly long _retryUntilUnixMs;
        private readonly long _ageMs;
        private readonly string _notify;
        private readonly string _boundary;
        private int _quoted;
        private bool _headersDone;
        private bool _atLineStart = true;
        private bool _lastWasCR;

        public readonly ByteBuffer Output = new ByteBuffer(2048);

        /// <summary>
        /// recipients: the ones this report is about, each with its last reply; retryUntilUnixMs:
        /// when the queue gives up on the message (for a delay warning); notify: who gets the
        /// report (the sender, or the postmaster for a message whose sender is null).
        /// </summary>
        public Bounce(int kind, string hostname, QueuedMessage message, RecipientStatus[] recipients, long nowUnixMs,
                      long retryUntilUnixMs, string notify)
            : this(kind, hostname, message, recipients, nowUnixMs, retryUntilUnixMs, notify, nowUnixMs - message.Envelope.ArrivalUnixMs)
        {
        }

        /// <summary>As above; ageMs: how long the queue has held the message (by the queue clock, not the wall clock).</summary>
        public Bounce(int kind, string hostname, QueuedMessage message, RecipientStatus[] recipients, long nowUnixMs,
                      long retryUntilUnixMs, string notify, long ageMs)
        {
            _ageMs = ageMs;
            _notify = notify;
            _retryUntilUnixMs = retryUntilUnixMs;
            _kind = kind;
            _hostname = hostname;
            _message = message;
            _recipients = recipients;
            _nowUnixMs = nowUnixMs;
            _boundary = message.QueueId + "." + nowUnixMs.ToString() + "/" + hostname;
        }

        public void Begin()
        {
            Line("From: Mail Delivery System <MAILER-DAEMON@" + _hostname + ">");
            Line("To: <" + _notify + ">");
            Line(_kind == Failure ? "Subject: Undelivered Mail Returned to Sender"
                                  : "Subject: Delayed Mail (still being retried)");
            Line("Date: " + RfcDate.Format(_nowUnixMs));
            Line("Message-ID: <" + _message.QueueId + "." + _nowUnixMs.ToString() + ".dsn@" + _hostname + ">");
            Line("Auto-Submitted: auto-replied");
            Line("MIME-Version: 1.0");
            Line("Content-Type: multipart/report; report-type=delivery-status;");
            Line("\tboundary=\"" + _boundary + "\"");
            Line("");
            Line("This is a MIME-encapsulated message.");
            Line("");
            Line("--" + _boundary);
            Line("Content-Description: Notification");
            Line("Content-Type: text/plain; charset=us-ascii");
            Line("");
            Line("This is the mail system at host " + _hostname + ".");
            Line("");
            if (_kind == Failure)
            {
                Line("I'm sorry to have to inform you that your message could not be delivered");
                Line("to one or more recipients. The details are below.");
            }
            else
            {
                Line("####################################################################");
                Line("# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #");
                Line("####################################################################");
                Line("");
                Line("Your message could not be delivered for " + Config.ConfigParser.FormatDuration(RoundedAgeMs()) + ".");
                Line("It will be retried until " + RfcDate.Format(_retryUntilUnixMs) + ";");
                Line("you will be told if it cannot be delivered by then.");
            }
            Line("");
            for (int i = 0; i < _recipients.Length; i++)
            {
                RecipientStatus r = _recipients[i];
                // The delivery job words a server's reply as Postfix does ("host mx[ip] said: …"):
                // only a bare reply gets the host put in front of it.
                bool worded = r.LastReply.Length > 5 && r.LastReply.Substring(0, 5) == "host ";
                string where = r.RemoteHost.Length > 0 && !worded ? "host " + r.RemoteHost + " said: " : "";
                Line("<" + r.Address + ">: " + where + Printable(r.LastReply));
            }
            Line("");
            Line("--" + _boundary);
            Line("Content-Description: Undelivered Message Headers");
            Line("Content-Type: text/rfc822-headers");
            Line("");
        }

        /// <summary>
        /// Feeds the original message from its start; copies its header section up to the empty
        /// line (or the cap). Returns false once no more bytes are wanted.
        /// </summary>
        public bool AddOriginalHeaders(byte[] buffer, int offset, int count)
        {
            for (int i = 0; i < count && !_headersDone; i++)
            {
                byte b = buffer[offset + i];
                if (_atLineStart && (b == Ascii.CR || b == Ascii.LF))
                {
                    _headersDone = true; // the empty line ends the header section
                    break;
                }
                if (_quoted >= MaxOriginalHeaders && _atLineStart)
                {
                    _headersDone = true;
                    break;
                }
                if (_quoted >= 2 * MaxOriginalHeaders)
                {
                    // One endless header line: cut it.
                    Output.Append("\r\n");
                    _atLineStart = true;
                    _headersDone = true;
                    break;
                }
                Output.Append(b);
                _quoted++;
                _atLineStart = b == Ascii.LF && _lastWasCR;
                _lastWasCR = b == Ascii.CR;
            }
            return !_headersDone;
        }

        public void Finish()
        {
            if (!_atLineStart) Line("");
            Line("");
            Line("--" + _boundary);
            Line("Content-Description: Delivery report");
            Line("Content-Type: message/delivery-status");
            Line("");
            // RFC 3464 §2.2: per-message fields
            Line("Reporting-MTA: dns; " + _hostname);
            Line("X-MailGateway-Queue-ID: " + _message.QueueId);
            Line("Arrival-Date: " + RfcDate.Format(_message.Envelope.ArrivalUnixMs));
            for (int i = 0; i < _recipients.Length; i++)
            {
                // RFC 3464 §2.3: per-recipient fields
                RecipientStatus r = _recipients[i];
                Line("");
                Line("Final-Recipient: rfc822; " + r.Address);
                Line("Action: " + (_kind == Failure ? "failed" : "delayed"));
                string reply = SmtpReplyOf(r.LastReply);
                Line("Status: " + StatusOf(reply, _kind == Failure));
                if (r.RemoteHost.Length > 0) Line("Remote-MTA: dns; " + HostNameOf(r.RemoteHost));
                if (ReplyCode(reply) > 0) Line("Diagnostic-Code: smtp; " + Printable(reply));
                if (_kind == Delay) Line("Will-Retry-Until: " + RfcDate.Format(_retryUntilUnixMs));
            }
            Line("");
            Line("--" + _boundary + "--");
        }

        /// <summary>
        /// The RFC 3463 status of a reply text: its enhanced code when it has one of the right class,
        /// else one derived from its basic code (5.0.0 / 4.0.0).
        /// </summary>
        public static string StatusOf(string reply, bool permanent)
        {
            string enhanced = EnhancedCodeOf(reply);
            char expected = permanent ? '5' : '4';
            if (enhanced != null && enhanced[0] == expected) return enhanced;
            if (enhanced != null) return expected + enhanced.Substring(1);
            return permanent ? "5.0.0" : "4.0.0";
        }

        /// <summary>
        /// The remote server's own reply inside a delivery log text: "550 5.1.1 x" from
        /// "host mx[192.0.2.1] said: 550 5.1.1 x (in reply to RCPT TO command)"; other texts as they are.
        /// </summary>
        public static string SmtpReplyOf(string text)
        {
            const string said = " said: ";
            int at = text.IndexOf(said);
            if (at < 0) return text;
            string reply = text.Substring(at + said.Length);
            int context = reply.LastIndexOf(" (in reply to ");
            if (context > 0 && reply[reply.Length - 1] == ')') reply = reply.Substring(0, context);
            return reply;
        }

        /// <summary>"5.1.1" from "550 5.1.1 User unknown", or null.</summary>
        public static string EnhancedCodeOf(string reply)
        {
            if (reply == null || reply.Length < 10 || reply[3] != ' ') return null;
            int end = reply.IndexOf(' ', 4);
            if (end < 0) end = reply.Length;
            string code = reply.Substring(4, end - 4);
            string[] parts = code.Split('.');
            if (parts.Length != 3 || code.Length > 11) return null;
            if (parts[0] != "2" && parts[0] != "4" && parts[0] != "5") return null;
            for (int p = 1; p < 3; p++)
            {
                long n;
                if (!Ascii.TryParseLong(parts[p], out n) || parts[p].Length > 3) return null;
            }
            return code;
        }

        private static int ReplyCode(string reply)
        {
            long code;
            if (reply == null || reply.Length < 3 || !Ascii.TryParseLong(reply.Substring(0, 3), out code)) return 0;
            return code >= 200 && code <= 599 ? (int)code : 0;
        }

        // "mx.example.com[192.0.2.1]:25" → "mx.example.com"
        private static string HostNameOf(string remoteHost)
        {
            int bracket = remoteHost.IndexOf('[');
            return bracket > 0 ? remoteHost.Substring(0, bracket) : remoteHost;
        }

        // A remote reply may contain anything; the report's text parts are US-ASCII lines.
        private static string Printable(string text)
        {
            char[] chars = text.ToCharArray();
            for (int i = 0; i < chars.Length; i++)
            {
                if (chars[i] < 32 || chars[i] > 126) chars[i] = '?';
            }
            return new string(chars);
        }

        private long RoundedAgeMs()
        {
            return _ageMs < 60000 ? 60000 : _ageMs / 60000 * 60000;
        }

        private void Line(string text)
        {
            Output.Append(text);
            Output.Append("\r\n");
        }
    }
}
