// One message the world submits: its tag (M1, M2, …), envelope sender and recipients, and the
// exact bytes of its content (header and body, CRLF lines, not dot-stuffed). The Message-ID field
// is <tag@sim.test>, which is how every copy found later — in a sink, a mailbox, or quoted in a
// delivery status notification (X-Sim-Tag) — is traced back to it.
using System;
using System.Text;

namespace MailGateway.Emulator.Simulation.Worlds
{
    public sealed class MessageSpec
    {
        public MessageSpec(string tag, string sender, string[] recipients, byte[] content)
        {
            Tag = tag;
            Sender = sender;
            Recipients = recipients;
            Content = content;
        }

        public string Tag { get; }
        /// <summary>"" for the null sender (a device's own report).</summary>
        public string Sender { get; }
        public string[] Recipients { get; }
        public byte[] Content { get; }
        public string MessageId => MessageIdOf(Tag);

        public static string MessageIdOf(string tag) => "<" + tag + "@sim.test>";

        /// <summary>The tag of a world Message-ID, or null.</summary>
        public static string TagOf(string messageId)
        {
            if (messageId == null || !messageId.EndsWith("@sim.test>", StringComparison.Ordinal) || !messageId.StartsWith("<", StringComparison.Ordinal)) return null;
            return messageId.Substring(1, messageId.Length - "@sim.test>".Length - 1);
        }

        /// <summary>
        /// A message of about bodyBytes bytes drawn from random: lines of every kind a device sends
        /// (leading dots, 8-bit bytes, long lines up to 998 characters, empty lines), never a bare
        /// CR, LF or NUL.
        /// </summary>
        public static byte[] MakeContent(string tag, string sender, string[] recipients, int bodyBytes, Random random)
        {
            var text = new StringBuilder();
            text.Append("From: <" + (sender.Length == 0 ? "MAILER-DAEMON@lan.aaa.com" : sender) + ">\r\n");
            text.Append("To: " + string.Join(", ", Array.ConvertAll(recipients, r => "<" + r + ">")) + "\r\n");
            text.Append("Subject: simulated message " + tag + "\r\n");
            text.Append("Date: Sun, 06 Dec 2026 12:00:00 +0000\r\n");
            text.Append("Message-ID: " + MessageIdOf(tag) + "\r\n");
            text.Append("X-Sim-Tag: " + tag + "\r\n");
            text.Append("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n");
            var bytes = new System.IO.MemoryStream();
            byte[] head = Encoding.ASCII.GetBytes(text.ToString());
            bytes.Write(head, 0, head.Length);
            int line = 0;
            while (bytes.Length < head.Length + bodyBytes)
            {
                int kind = random.Next(8);
                string s;
                switch (kind)
                {
                    case 0: s = "." + new string('.', random.Next(3)) + " a line that starts with a dot"; break;
                    case 1: s = ""; break;
                    case 2: s = new string((char)('a' + random.Next(26)), 200 + random.Next(799)); break;
                    default: s = tag + " line " + line + " " + new string('x', random.Next(70)); break;
                }
                byte[] b = Encoding.ASCII.GetBytes(s);
                bytes.Write(b, 0, b.Length);
                if (kind == 3)
                {
                    // 8-bit text: Latin-1 letters, never CR, LF or NUL.
                    for (int i = 0; i < 5; i++) bytes.WriteByte((byte)(0xC0 + random.Next(0x3F)));
                }
                bytes.WriteByte(13);
                bytes.WriteByte(10);
                line++;
            }
            return bytes.ToArray();
        }
    }
}
