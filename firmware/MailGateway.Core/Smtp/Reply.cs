// An SMTP reply as a value (RFC 5321 §4.2): code, RFC 3463 enhanced code, text, and whether the
// session closes after sending it. Replies are never exceptions; the table is in Replies.cs.
namespace MailGateway.Core.Smtp
{
    public sealed class Reply
    {
        public readonly int Code;
        public readonly string Enhanced;
        public readonly string Text;
        public readonly bool Closes;

        public Reply(int code, string enhanced, string text, bool closes)
        {
            Code = code;
            Enhanced = enhanced;
            Text = text;
            Closes = closes;
        }

        public Reply(int code, string enhanced, string text) : this(code, enhanced, text, false)
        {
        }

        public bool IsPositive { get { return Code < 400; } }

        /// <summary>The same reply with other text (for replies that name an address).</summary>
        public Reply WithText(string text)
        {
            return new Reply(Code, Enhanced, text, Closes);
        }

        /// <summary>One reply line without CRLF: "250 2.1.0 Ok", or "250 Ok" without enhanced codes.</summary>
        public string Format(bool enhanced)
        {
            string line = Code.ToString() + " ";
            if (enhanced && Enhanced != null) line = line + Enhanced + " ";
            return line + Text;
        }

        public override string ToString()
        {
            return Format(true);
        }
    }
}
