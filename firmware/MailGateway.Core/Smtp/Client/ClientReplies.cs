// Every reply the SMTP client makes up itself, in one table (Postfix's status map, client side):
// what an outcome says when the server said nothing usable. Outcomes carry them with
// FromServer = false. Codes: 4xx for what a later attempt may cure, 5xx for what it cannot;
// enhanced codes from RFC 3463 (X.4.1 no answer, X.4.2 bad connection, X.5.0 protocol,
// X.7.x security, X.3.4 too big, X.1.3/X.1.7 bad address syntax).
namespace MailGateway.Core.Smtp
{
    public static class ClientReplies
    {
        public static Reply ConnectFailed(string detail)
        {
            return new Reply(451, "4.4.1", "connect failed" + Detail(detail));
        }

        public static readonly Reply ConnectTimeout = new Reply(451, "4.4.1", "connect timed out");

        public static Reply Timeout(int state)
        {
            return new Reply(451, "4.4.2", "conversation timed out " + While(state));
        }

        public static Reply ConnectionLost(int state)
        {
            return new Reply(451, "4.4.2", "lost connection " + While(state));
        }

        public static Reply ProtocolError(string detail, int state)
        {
            return new Reply(451, "4.5.0", "protocol error: " + detail + " " + While(state));
        }

        public static readonly Reply TlsNotOffered = new Reply(451, "4.7.4", "TLS is required, but was not offered by the server");
        public static readonly Reply TlsFailed = new Reply(451, "4.7.5", "TLS handshake failed");
        public static readonly Reply AuthNeedsTls = new Reply(451, "4.7.0", "AUTH is configured, but the connection is not encrypted");
        public static readonly Reply AuthNotOffered = new Reply(451, "4.7.0", "AUTH is configured, but the server offers neither PLAIN nor LOGIN");

        public static Reply TooBig(long size, long limit)
        {
            return new Reply(552, "5.3.4", "message size " + size.ToString() + " exceeds the server's limit of " +
                             limit.ToString() + " bytes");
        }

        public static readonly Reply BadSender = new Reply(553, "5.1.7", "bad sender address syntax, not sent");
        public static readonly Reply BadRecipient = new Reply(553, "5.1.3", "bad recipient address syntax, not sent");

        // "while sending RCPT TO"; after the final dot, Postfix's honest wording (HOUSE-STYLE).
        private static string While(int state)
        {
            if (state == ClientState.AwaitingEndOfData) return "after end of data sent -- message may be delivered twice";
            return "while " + ClientState.Describe(state);
        }

        private static string Detail(string detail)
        {
            return detail == null || detail.Length == 0 ? "" : ": " + detail;
        }
    }
}
