// The core's console on the board's UART once the gateway runs: each line the operator types
// (SerialConsole edits and echoes it; not a password) goes into a local ConsoleSession of the
// gateway, and what the session says goes back out on the UART, around each loop pass. The
// commands are the TCP console's (status, queue, set/save, ...); "reload" and "reboot" restart the
// board once the answer is out, "shutdown" stops serving and leaves the board safe to power off.
// Before the gateway runs (no card, a broken file) ConsoleCommands serves the UART instead.
using MailGateway.Core.Console;
using MailGateway.Core.Runtime;

namespace MailGateway.Firmware
{
    public sealed class UartConsole : IConsolePlatform
    {
        private readonly SerialConsole _uart;
        private readonly Gateway _gateway;
        private ConsoleSession _session;

        /// <summary>Set by reload and reboot: the loop restarts the board once the answer is written.</summary>
        public bool RestartRequested { get; private set; }
        /// <summary>Set by shutdown: the loop stops the gateway.</summary>
        public bool ShutdownRequested { get; private set; }

        public UartConsole(SerialConsole uart, Gateway gateway)
        {
            _uart = uart;
            _gateway = gateway;
            gateway.ConsolePlatform = this;
            _session = gateway.OpenLocalConsole("uart", true);
        }

        /// <summary>Before a pass: a line typed, if any, into the session.</summary>
        public void Feed(long nowMs)
        {
            if (_session.IsClosed)
            {
                _gateway.CloseLocalConsole(_session);
                _session = _gateway.OpenLocalConsole("uart", true); // after quit: a new session at once
            }
            _uart.Silent = _session.SecretWanted;
            if (!_session.CanReceive) return;
            string line = _uart.PollLine();
            if (line == null) return;
            byte[] bytes = MailGateway.Core.Text.Utf8.GetBytes(line + "\n");
            _session.Receive(bytes, 0, bytes.Length, nowMs);
        }

        /// <summary>True when everything the session said is out on the UART (reload and reboot wait for it).</summary>
        public bool AllWritten
        {
            get
            {
                byte[] bytes;
                int offset;
                return _session.PeekTransmit(out bytes, out offset) == 0;
            }
        }

        /// <summary>The most written to the UART after one pass: about 45 ms at 115200 baud, for the write blocks the loop.</summary>
        public const int MaxBytesPerPass = 512;

        /// <summary>After a pass: what the session has to say, on the UART (MaxBytesPerPass of it; the rest after the next pass).</summary>
        public void Write()
        {
            byte[] bytes;
            int offset;
            int n;
            int left = MaxBytesPerPass;
            while (left > 0 && (n = _session.PeekTransmit(out bytes, out offset)) > 0)
            {
                if (n > left) n = left;
                _uart.Write(bytes, offset, n);
                _session.Transmitted(n);
                left -= n;
            }
        }

        // ---- IConsolePlatform: the configuration file on the card -----------------------------------

        public string ConfigName { get { return Program.ConfigFile.Path; } }

        public string ReadConfig()
        {
            string text = Program.ConfigFile.Read();
            return text == null ? "" : text;
        }

        public void WriteConfig(string text)
        {
            Program.ConfigFile.Write(text);
        }

        public string Reload()
        {
            RestartRequested = true;
            return "ok: the board restarts with the saved file";
        }

        public string Restart()
        {
            RestartRequested = true;
            return "ok: the board restarts";
        }

        /// <summary>Not read on the board yet: mailgw budget gives the peak this configuration may take.</summary>
        public string Memory()
        {
            return null;
        }

        public string Shutdown()
        {
            ShutdownRequested = true;
            return "ok: the gateway stops; the board is safe to power off";
        }
    }
}
