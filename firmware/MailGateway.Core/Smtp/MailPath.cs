// A parsed reverse-path or forward-path (RFC 5321 §4.1.2). The domain is kept in lower case so that
// policy compares it directly; the local part is kept as written, including its quotes.
// One string holds the whole address and the index of the '@' that separates the two (a quoted
// local part may hold '@' too): a session keeps up to limits.recipients of these, and the queue
// file's envelope takes the same string, so an accepted recipient costs one string, not three.
namespace MailGateway.Core.Smtp
{
    public sealed class MailPath
    {
        /// <summary>The null reverse-path, MAIL FROM:&lt;&gt;.</summary>
        public static readonly MailPath Null = new MailPath("", null, false);

        private readonly string _address;   // local-part "@" domain, or the local part alone
        private readonly int _at;           // where the domain's '@' is; -1 without a domain
        public readonly bool IsAddressLiteral;

        public MailPath(string localPart, string domain, bool isAddressLiteral)
        {
            _address = domain == null ? localPart : localPart + "@" + domain;
            _at = domain == null ? -1 : localPart.Length;
            IsAddressLiteral = isAddressLiteral;
        }

        /// <summary>The local part as written (a new string each time: for policy checks, not for keeping).</summary>
        public string LocalPart { get { return _at < 0 ? _address : _address.Substring(0, _at); } }

        /// <summary>Lower-case domain or address literal ("[192.0.2.1]"); null for &lt;&gt; and bare &lt;postmaster&gt; (a new string each time).</summary>
        public string Domain { get { return _at < 0 ? null : _address.Substring(_at + 1); } }

        public bool IsNull { get { return _address.Length == 0; } }

        /// <summary>RCPT TO:&lt;postmaster&gt; with no domain (RFC 5321 §4.1.1.3).</summary>
        public bool IsBarePostmaster { get { return _at < 0 && _address.Length > 0; } }

        /// <summary>
        /// True when the local part carries sender-specified routing that some mail systems still
        /// obey ('%' hack, '!' UUCP path, or an '@' inside quotes): such a recipient must not be
        /// let through on the strength of its domain alone.
        /// </summary>
        public bool HasRoutingInLocalPart
        {
            get
            {
                string local = LocalPart;
                return local.IndexOf('%') >= 0 || local.IndexOf('!') >= 0 || local.IndexOf('@') >= 0;
            }
        }

        /// <summary>The address without angle brackets: "user@example.com", "" for the null path.</summary>
        public string Address
        {
            get { return _address; }
        }

        public override string ToString()
        {
            return "<" + Address + ">";
        }
    }
}
