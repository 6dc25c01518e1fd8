// The console UART (nanoFramework.System.IO.Ports on COM2, the ESP32's UART1, routed to the
// board's pins): a line reader and a writer. Input is taken only as far as BytesToRead says, so
// polling it between loop passes never blocks; typed characters are echoed (not while Silent: a
// password), backspace/DEL edit the line, CR or LF ends it, a line longer than MaxLine is dropped
// with a note. Bytes are
// handled one at a time here, but only the few an operator types: this is not a hot path.
// Settings: 8 data bits, no parity, 1 stop bit, no flow control; the speed is console.baud.
namespace MailGateway.Firmware
{
    public sealed class SerialConsole
    {
        public const int MaxLine = 256;

        private readonly System.IO.Ports.SerialPort _port;
        private readonly byte[] _input = new byte[64];
        private int _inputStart;
        private int _inputEnd;
        private readonly byte[] _line = new byte[MaxLine];
        private int _length;
        private bool _overflow;
        private readonly byte[] _echo = new byte[3];

        private SerialConsole(System.IO.Ports.SerialPort port)
        {
            _port = port;
        }

        /// <summary>Routes the board's console pins to COM2 and opens it; null (and logged) when that fails.</summary>
        public static SerialConsole TryOpen(BoardProfile board, MailGateway.Core.Runtime.ILog log)
        {
            try
            {
                nanoFramework.Hardware.Esp32.Configuration.SetPinFunction(board.ConsoleRx, nanoFramework.Hardware.Esp32.DeviceFunction.COM2_RX);
                nanoFramework.Hardware.Esp32.Configuration.SetPinFunction(board.ConsoleTx, nanoFramework.Hardware.Esp32.DeviceFunction.COM2_TX);
                System.IO.Ports.SerialPort port = new System.IO.Ports.SerialPort(board.ConsolePort, board.ConsoleBaud);
                port.Open();
                log.Line("console on " + board.ConsolePort + " (TX GPIO" + board.ConsoleTx.ToString() + ", RX GPIO" +
                         board.ConsoleRx.ToString() + ", " + board.ConsoleBaud.ToString() + " 8N1)");
                return new SerialConsole(port);
            }
            catch (System.Exception e)
            {
                log.Line("warning: no console: " + e.GetType().Name + ": " + e.Message);
                return null;
            }
        }

        /// <summary>Typed characters are not echoed (a password is being typed).</summary>
        public bool Silent { get; set; }

        public void SetBaud(int baud)
        {
            _port.BaudRate = baud;
        }

        /// <summary>A complete line typed since the last call, or null; never waits.</summary>
        public string PollLine()
        {
            while (true)
            {
                if (_inputStart == _inputEnd)
                {
                    int waiting = _port.BytesToRead;
                    if (waiting <= 0) return null;
                    _inputEnd = _port.Read(_input, 0, waiting < _input.Length ? waiting : _input.Length);
                    _inputStart = 0;
                    if (_inputEnd <= 0)
                    {
                        _inputEnd = 0;
                        return null;
                    }
                }
                byte b = _input[_inputStart++];
                if (b == 13 || b == 10)
                {
                    if (_length == 0 && !_overflow) continue;     // the LF of a CR LF, or an empty line
                    Echo(13, 10, 2);
                    string line = _overflow ? null : MailGateway.Core.Text.Utf8.GetString(_line, 0, _length);
                    bool dropped = _overflow;
                    _length = 0;
                    _overflow = false;
                    if (dropped)
                    {
                        WriteLine("(line longer than " + MaxLine.ToString() + " bytes: ignored)");
                        continue;
                    }
                    return line;
                }
                if (b == 8 || b == 127)
                {
                    if (_length > 0)
                    {
                        _length--;
                        if (!Silent) Echo(8, 32, 3);
                    }
                    continue;
                }
                if (b < 32) continue;
                if (_length == MaxLine)
                {
                    _overflow = true;
                    continue;
                }
                _line[_length++] = b;
                if (Silent) continue;
                _echo[0] = b;
                _port.Write(_echo, 0, 1);
            }
        }

        /// <summary>Bytes as they are (the core console's output, prompts included); best effort, like WriteLine.</summary>
        public void Write(byte[] bytes, int offset, int count)
        {
            try
            {
                _port.Write(bytes, offset, count);
            }
            catch (System.Exception)
            {
                // The console is best effort; the debugger still gets every log line.
            }
        }

        public void WriteLine(string text)
        {
            try
            {
                byte[] bytes = MailGateway.Core.Text.Utf8.GetBytes(text + "\r\n");
                _port.Write(bytes, 0, bytes.Length);
            }
            catch (System.Exception)
            {
                // The console is best effort; the debugger still gets every log line.
            }
        }

        // CR LF (2 bytes), or BS SP BS (3 bytes) to rub out a character.
        private void Echo(byte first, byte second, int count)
        {
            _echo[0] = first;
            _echo[1] = second;
            _echo[2] = 8;
            _port.Write(_echo, 0, count);
        }
    }
}
