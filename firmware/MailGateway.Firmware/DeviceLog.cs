// ILog on the device: each line goes to the debugger (Debug.WriteLine, seen in Visual Studio or
// the VS Code extension while a debugger is attached) and to the serial console when one is open,
// prefixed with the seconds since boot (the wall clock may still be 1970). Console output never
// blocks the loop for long: SerialPort.Write queues into the UART driver's buffer.
namespace MailGateway.Firmware
{
    public sealed class DeviceLog : MailGateway.Core.Runtime.ILog
    {
        private readonly DeviceClock _clock;
        private SerialConsole _console;

        public DeviceLog(DeviceClock clock)
        {
            _clock = clock;
        }

        /// <summary>Mirrors every later line to the console UART.</summary>
        public void Attach(SerialConsole console)
        {
            _console = console;
        }

        public void Line(string text)
        {
            long ms = _clock.MonotonicMs();
            string line = (ms / 1000).ToString() + "." + MailGateway.Core.Text.Ascii.Digits(ms % 1000, 3) + " " + text;
            System.Diagnostics.Debug.WriteLine(line);
            if (_console != null) _console.WriteLine(line);
        }
    }
}
