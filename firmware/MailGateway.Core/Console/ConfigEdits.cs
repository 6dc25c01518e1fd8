// The console's "set" and "unset" before "save": edits of the configuration file's text, kept in
// memory (at most MaxEdits) until saved. Applying them keeps every comment and every other line
// where it was: the lines that set an edited key are removed and, for "set", one "key = value"
// line is added at the end. The result is checked by ConfigParser exactly as a start-up would
// read it, so what "save" writes is a file the next start accepts.
using MailGateway.Core.Config;
using MailGateway.Core.Text;

namespace MailGateway.Core.Console
{
    public sealed class ConfigEdits
    {
        public const int MaxEdits = 32;

        private readonly string[] _keys = new string[MaxEdits];
        private readonly string[] _values = new string[MaxEdits]; // null: unset
        private int _count;

        public int Count { get { return _count; } }
        public string Key(int i) { return _keys[i]; }
        /// <summary>The value set, or null for an unset.</summary>
        public string Value(int i) { return _values[i]; }

        public void Clear()
        {
            _count = 0;
        }

        /// <summary>
        /// Records "set key value" (value null: unset) after checking the whole file with it; null on
        /// success, else what is wrong (the file and the edits stay as they were).
        /// </summary>
        public string Edit(string fileText, string fileName, string key, string value)
        {
            if (value != null)
            {
                // What a line of the file cannot hold would not read back the same.
                if (value.IndexOf(" #") >= 0 || value.IndexOf("\t#") >= 0 || value.IndexOf('\n') >= 0 || value.IndexOf('\r') >= 0)
                {
                    return key + ": a \"#\" after a space starts a comment in the file, so this value cannot be written there";
                }
                string problem = ConfigParser.Set(new GatewayConfig(), key, value);
                if (problem != null) return problem;
            }
            int at = IndexOf(key);
            bool added = at < 0;
            if (added && _count == MaxEdits) return "too many unsaved changes (" + MaxEdits.ToString() + "): save them first";
            string before = added ? null : _values[at];
            if (added)
            {
                at = _count++;
                _keys[at] = key;
            }
            _values[at] = value;
            string whole = ConfigParser.Apply(Apply(fileText), fileName, new GatewayConfig());
            if (whole == null) return null;
            // The file would not start: the edit is not kept.
            if (added) _count--;
            else _values[at] = before;
            return whole;
        }

        /// <summary>The file's text with every edit applied.</summary>
        public string Apply(string fileText)
        {
            string[] lines = (fileText == null ? "" : fileText).Split('\n');
            string result = "";
            for (int i = 0; i < lines.Length; i++)
            {
                if (i == lines.Length - 1 && lines[i].Length == 0) break; // the final newline
                string line = lines[i];
                string key = KeyOf(line);
                if (key != null && IndexOf(key) >= 0) continue;
                result += line + "\n";
            }
            for (int e = 0; e < _count; e++)
            {
                if (_values[e] != null) result += _keys[e] + " = " + _values[e] + "\n";
            }
            return result;
        }

        /// <summary>The key a line sets, lower case; null for a comment or a blank line.</summary>
        public static string KeyOf(string line)
        {
            string key;
            string value;
            return ConfigParser.TryKeyValue(line, out key, out value) ? key : null;
        }

        /// <summary>A secret's value is never shown or logged: every key that holds a password.</summary>
        public static bool IsSecret(string key)
        {
            return key != null && key.IndexOf("password") >= 0;
        }

        private int IndexOf(string key)
        {
            for (int i = 0; i < _count; i++)
            {
                if (_keys[i] == key) return i;
            }
            return -1;
        }
    }
}
