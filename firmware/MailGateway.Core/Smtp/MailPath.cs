// A parsed reverse-path or forward-path (RFC 5321 §4.1.2). The domain is kept in lower case so that
// policy compares it directly; the local part is kept as written, including its quotes.
namespace MailGateway.Core.Smtp
{
    public sealed class MailPath
    {
        /// <summary>The null reverse-path, MAIL FROM:&lt;&gt;.</summary>
        public static readonly MailPath Null = new MailPath("", null, false);

        public readonly string LocalPart;
        /// <summary>Lower-case domain or address literal ("[192.0.2.1]"); null for &lt;&gt; and bare &lt;postmaster&gt;.</summary>
        public readonly string Domain;
        public readonly bool IsAddressLiteral;

        public MailPath(string localPart, string domain, bool isAddressLiteral)
        {
            LocalPart = localPart;
            Domain = domain;
            IsAddressLiteral = isAddressLiteral;
        }

        public bool IsNull { get { return LocalPart.Length == 0 && Domain == null; } }

        /// <summary>RCPT TO:&lt;postmaster&gt; with no domain (RFC 5321 §4.1.1.3).</summary>
        public bool IsBarePostmaster { get { return Domain == null && LocalPart.Length > 0; } }

        /// <summary>
        /// True when the local part carries sender-specified routing that some mail systems still
        /// obey ('%' hack, '!' UUCP path, or an '@' inside quotes): such a recipient must not be
        /// let through on the strength of its domain alone.
        /// </summary>
        public bool HasRoutingInLocalPart
        {
            get
            {
                return LocalPart.IndexOf('%') >= 0 || LocalPart.IndexOf('!') >= 0 || LocalPart.IndexOf('@') >= 0;
            }
        }

        /// <summary>The address without angle brackets: "user@example.com", "" for the null path.</summary>
        public string Address
        {
            get { return Domain == null ? LocalPart : LocalPart + "@" + Domain; }
        }

        public override string ToString()
        {
            return "<" + Address + ">";
        }
    }
}
