// The few pieces of JSON (RFC 8259) the console writes for programs (queue --json): strings with
// the escapes §7 requires (quote, backslash, control characters), and numbers.
namespace MailGateway.Core.Console
{
    public static class JsonText
    {
        private const string Hex = "0123456789abcdef";

        /// <summary>"name":"value", escaped; a null value is written as JSON null.</summary>
        public static string Field(string name, string value)
        {
            return Quote(name) + ":" + (value == null ? "null" : Quote(value));
        }

        public static string Field(string name, long value)
        {
            return Quote(name) + ":" + value.ToString();
        }

        public static string Field(string name, bool value)
        {
            return Quote(name) + ":" + (value ? "true" : "false");
        }

        public static string Quote(string text)
        {
            char[] b = new char[text.Length * 6 + 2];
            int n = 0;
            b[n++] = '"';
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c == '"' || c == '\\')
                {
                    b[n++] = '\\';
                    b[n++] = c;
                }
                else if (c < 0x20)
                {
                    b[n++] = '\\';
                    b[n++] = 'u';
                    b[n++] = '0';
                    b[n++] = '0';
                    b[n++] = Hex[c >> 4];
                    b[n++] = Hex[c & 15];
                }
                else b[n++] = c;
            }
            b[n++] = '"';
            return new string(b, 0, n);
        }
    }
}
