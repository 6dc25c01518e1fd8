// Declared from nanoFramework.System.IO.Ports (namespace System.IO.Ports): the console UART.
// Empty bodies: a compile-time description of the device's API, never run.
namespace System.IO.Ports
{
    // nanoFramework.System.IO.Ports | System.IO.Ports
    public enum Parity
    {
        // nanoFramework.System.IO.Ports | System.IO.Ports
        None = 0,
    }

    // nanoFramework.System.IO.Ports | System.IO.Ports
    public enum StopBits
    {
        // nanoFramework.System.IO.Ports | System.IO.Ports
        One = 1,
    }

    // nanoFramework.System.IO.Ports | System.IO.Ports
    public sealed class SerialPort
    {
        // nanoFramework.System.IO.Ports | System.IO.Ports
        public SerialPort(string portName, int baudRate = 9600, Parity parity = Parity.None, int dataBits = 8, StopBits stopBits = StopBits.One)
        {
            throw new NotImplementedException();
        }
        // nanoFramework.System.IO.Ports | System.IO.Ports
        public void Open() { throw new NotImplementedException(); }
        // nanoFramework.System.IO.Ports | System.IO.Ports
        public int BaudRate { get { throw new NotImplementedException(); } set { throw new NotImplementedException(); } }
        // nanoFramework.System.IO.Ports | System.IO.Ports
        public int BytesToRead { get { throw new NotImplementedException(); } }
        // nanoFramework.System.IO.Ports | System.IO.Ports
        public int Read(byte[] buffer, int offset, int count) { throw new NotImplementedException(); }
        // nanoFramework.System.IO.Ports | System.IO.Ports
        public void Write(byte[] buffer, int offset, int count) { throw new NotImplementedException(); }
    }
}
