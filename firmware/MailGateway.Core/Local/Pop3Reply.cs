// A POP3 status line as a value (RFC 1939 §3): "+OK text" or "-ERR [CODE] text", with an optional
// RFC 2449 §8 response code and whether the session closes after sending it. Never an exception;
// the fixed ones are in Pop3Replies.
namespace MailGateway.Core.Local
{
    public sealed class Pop3Reply
    {
        public readonly bool Ok;
        /// <summary>The RFC 2449 §8 / RFC 3206 response code without brackets ("IN-USE", "AUTH", "SYS/TEMP"), or null.</summary>
        public readonly string Code;
        public readonly string Text;
        public readonly bool Closes;

        public Pop3Reply(bool ok, string code, string text, bool closes)
        {
            Ok = ok;
            Code = code;
            Text = text;
            Closes = closes;
        }

        public Pop3Reply(bool ok, string code, string text) : this(ok, code, text, false)
        {
        }

        public static Pop3Reply Positive(string text)
        {
            return new Pop3Reply(true, null, text, false);
        }

        public static Pop3Reply Negative(string text)
        {
            return new Pop3Reply(false, null, text, false);
        }

        public Pop3Reply WithText(string text)
        {
            return new Pop3Reply(Ok, Code, text, Closes);
        }

        public Pop3Reply Closing()
        {
            return new Pop3Reply(Ok, Code, Text, true);
        }

        /// <summary>The status line without CRLF.</summary>
        public string Format()
        {
            string line = Ok ? "+OK" : "-ERR";
            if (Code != null) line = line + " [" + Code + "]";
            if (Text != null && Text.Length > 0) line = line + " " + Text;
            return line;
        }

        public override string ToString()
        {
            return Format();
        }
    }
}
