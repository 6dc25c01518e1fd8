// The minimal console (the full one with queue and user commands comes in a later release):
//   show               the configuration file's settings (passwords masked) and the board
//   set KEY VALUE      checks the value and the whole file with it (the core's ConfigEdits, as the
//                      TCP console's set does) and writes the file on the card (CardConfigFile:
//                      earlier lines for KEY are removed, "KEY = VALUE" is appended); it takes
//                      effect at the next start
//   reboot             restarts the board
//   help               this list
// Commands run between loop passes and touch only the configuration file, never the gateway.

namespace MailGateway.Firmware
{
    public sealed class ConsoleCommands
    {
        private readonly SerialConsole _console;
        private readonly MailGateway.Core.Config.CardConfigFile _file;

        public ConsoleCommands(SerialConsole console, MailGateway.Core.Config.CardConfigFile file)
        {
            _console = console;
            _file = file;
        }

        /// <summary>Reads and runs whatever complete lines were typed; never waits.</summary>
        public void Poll()
        {
            if (_console == null) return;
            string line;
            while ((line = _console.PollLine()) != null) Execute(MailGateway.Core.Text.Ascii.Trim(line));
        }

        private void Execute(string line)
        {
            if (line.Length == 0) return;
            int space = line.IndexOf(' ');
            string verb = MailGateway.Core.Text.Ascii.ToLower(space < 0 ? line : line.Substring(0, space));
            string rest = space < 0 ? "" : MailGateway.Core.Text.Ascii.Trim(line.Substring(space + 1));
            if (verb == "help")
            {
                _console.WriteLine("show | set KEY VALUE | reboot | help");
            }
            else if (verb == "show")
            {
                Show();
            }
            else if (verb == "set")
            {
                Set(rest);
            }
            else if (verb == "reboot")
            {
                _console.WriteLine("rebooting");
                nanoFramework.Runtime.Native.Power.RebootDevice();
            }
            else
            {
                _console.WriteLine("unknown command \"" + verb + "\"; try help");
            }
        }

        private void Show()
        {
            _console.WriteLine("board = " + BoardSelection.Id + "  (set at build time)");
            string text;
            try
            {
                text = _file.Read();
            }
            catch (System.IO.IOException e)
            {
                _console.WriteLine("cannot read " + _file.Path + ": " + e.Message);
                return;
            }
            if (text == null)
            {
                _console.WriteLine(_file.Path + " does not exist: the embedded defaults apply");
                return;
            }
            string[] lines = text.Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                string key;
                string value;
                if (!MailGateway.Core.Config.ConfigParser.TryKeyValue(lines[i], out key, out value)) continue;
                if (key.IndexOf("password") >= 0 && value.Length > 0) value = "********";
                _console.WriteLine(key + " = " + value);
            }
        }

        private void Set(string rest)
        {
            int space = rest.IndexOf(' ');
            if (space <= 0)
            {
                _console.WriteLine("usage: set KEY VALUE");
                return;
            }
            string key = MailGateway.Core.Text.Ascii.ToLower(rest.Substring(0, space));
            string value = MailGateway.Core.Text.Ascii.Trim(rest.Substring(space + 1));
            try
            {
                string text = _file.Read();
                // The core's edit: the value checked, the whole file checked as the next start reads it.
                MailGateway.Core.Console.ConfigEdits edit = new MailGateway.Core.Console.ConfigEdits();
                string problem = edit.Edit(text, _file.Path, key, value);
                if (problem != null)
                {
                    _console.WriteLine("not set: " + problem);
                    return;
                }
                _file.Write(edit.Apply(text));
                _console.WriteLine("ok: " + key + " set; it takes effect after reboot");
            }
            catch (System.IO.IOException e)
            {
                _console.WriteLine("not set: cannot write " + _file.Path + ": " + e.Message);
            }
        }
    }
}
