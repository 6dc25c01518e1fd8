// Declared from nanoFramework.System.Net (namespaces System.Net, System.Net.Sockets,
// System.Net.Security, System.Net.NetworkInformation,
// System.Security.Cryptography.X509Certificates and nanoFramework.Networking): blocking sockets
// polled with Poll(0, ...), TLS through mbedTLS, the interfaces' addresses, and the Ethernet
// helper. Empty bodies: a compile-time description of the device's API, never run.
namespace System.Net
{
    // nanoFramework.System.Net | System.Net
    public abstract class EndPoint
    {
    }

    // nanoFramework.System.Net | System.Net
    public class IPAddress
    {
        internal IPAddress() { }
        // nanoFramework.System.Net | System.Net
        public static readonly IPAddress Any = null;
        // nanoFramework.System.Net | System.Net
        public static IPAddress Parse(string ipString) { throw new NotImplementedException(); }
    }

    // nanoFramework.System.Net | System.Net
    public class IPEndPoint : EndPoint
    {
        // nanoFramework.System.Net | System.Net
        public IPEndPoint(IPAddress address, int port) { throw new NotImplementedException(); }
        // nanoFramework.System.Net | System.Net
        public IPAddress Address { get { throw new NotImplementedException(); } }
        // nanoFramework.System.Net | System.Net
        public int Port { get { throw new NotImplementedException(); } }
    }
}

namespace System.Net.Sockets
{
    // nanoFramework.System.Net | System.Net.Sockets
    public enum AddressFamily
    {
        // nanoFramework.System.Net | System.Net.Sockets
        InterNetwork = 2,
    }

    // nanoFramework.System.Net | System.Net.Sockets
    public enum SocketType
    {
        // nanoFramework.System.Net | System.Net.Sockets
        Stream = 1,
        // nanoFramework.System.Net | System.Net.Sockets
        Dgram = 2,
    }

    // nanoFramework.System.Net | System.Net.Sockets
    public enum ProtocolType
    {
        // nanoFramework.System.Net | System.Net.Sockets
        Tcp = 6,
        // nanoFramework.System.Net | System.Net.Sockets
        Udp = 17,
    }

    // nanoFramework.System.Net | System.Net.Sockets
    public enum SelectMode
    {
        // nanoFramework.System.Net | System.Net.Sockets
        SelectRead = 0,
        // nanoFramework.System.Net | System.Net.Sockets
        SelectWrite = 1,
    }

    // nanoFramework.System.Net | System.Net.Sockets
    public enum SocketFlags
    {
        // nanoFramework.System.Net | System.Net.Sockets
        None = 0,
    }

    // nanoFramework.System.Net | System.Net.Sockets
    public class SocketException : Exception
    {
        internal SocketException() { }
        // nanoFramework.System.Net | System.Net.Sockets
        public int ErrorCode { get { throw new NotImplementedException(); } }
    }

    // nanoFramework.System.Net | System.Net.Sockets
    public class Socket
    {
        // nanoFramework.System.Net | System.Net.Sockets
        public Socket(AddressFamily addressFamily, SocketType socketType, ProtocolType protocolType) { throw new NotImplementedException(); }
        // nanoFramework.System.Net | System.Net.Sockets
        public int Available { get { throw new NotImplementedException(); } }
        // nanoFramework.System.Net | System.Net.Sockets
        public EndPoint RemoteEndPoint { get { throw new NotImplementedException(); } }
        // nanoFramework.System.Net | System.Net.Sockets
        public int ReceiveTimeout { get { throw new NotImplementedException(); } set { throw new NotImplementedException(); } }
        // nanoFramework.System.Net | System.Net.Sockets
        public void Bind(EndPoint localEP) { throw new NotImplementedException(); }
        // nanoFramework.System.Net | System.Net.Sockets
        public void Connect(EndPoint remoteEP) { throw new NotImplementedException(); }
        // nanoFramework.System.Net | System.Net.Sockets
        public void Listen(int backlog) { throw new NotImplementedException(); }
        // nanoFramework.System.Net | System.Net.Sockets
        public Socket Accept() { throw new NotImplementedException(); }
        // nanoFramework.System.Net | System.Net.Sockets
        public int Send(byte[] buffer, int offset, int size, SocketFlags socketFlags) { throw new NotImplementedException(); }
        // nanoFramework.System.Net | System.Net.Sockets
        public int Receive(byte[] buffer, int offset, int size, SocketFlags socketFlags) { throw new NotImplementedException(); }
        // nanoFramework.System.Net | System.Net.Sockets
        public int SendTo(byte[] buffer, int offset, int size, SocketFlags socketFlags, EndPoint remoteEP) { throw new NotImplementedException(); }
        // nanoFramework.System.Net | System.Net.Sockets
        public int ReceiveFrom(byte[] buffer, int offset, int size, SocketFlags socketFlags, ref EndPoint remoteEP) { throw new NotImplementedException(); }
        // nanoFramework.System.Net | System.Net.Sockets
        public bool Poll(int microSeconds, SelectMode mode) { throw new NotImplementedException(); }
        // nanoFramework.System.Net | System.Net.Sockets
        public void Close() { throw new NotImplementedException(); }
    }

    // nanoFramework.System.Net | System.Net.Sockets
    public class NetworkStream : System.IO.Stream
    {
        internal NetworkStream() { }
        // nanoFramework.System.Net | System.Net.Sockets
        public virtual bool DataAvailable { get { throw new NotImplementedException(); } }
        // nanoFramework.System.Net | System.Net.Sockets
        public override long Length { get { throw new NotImplementedException(); } }
        // nanoFramework.System.Net | System.Net.Sockets
        public override long Position { get { throw new NotImplementedException(); } set { throw new NotImplementedException(); } }
        // nanoFramework.System.Net | System.Net.Sockets
        public override int Read(byte[] buffer, int offset, int size) { throw new NotImplementedException(); }
        // nanoFramework.System.Net | System.Net.Sockets
        public override void Write(byte[] buffer, int offset, int size) { throw new NotImplementedException(); }
    }
}

namespace System.Net.Security
{
    // nanoFramework.System.Net | System.Net.Security
    public enum SslProtocols
    {
        // nanoFramework.System.Net | System.Net.Security
        Tls12 = 0x40,
    }

    // nanoFramework.System.Net | System.Net.Security
    public enum SslVerification
    {
        // nanoFramework.System.Net | System.Net.Security
        NoVerification = 1,
        // nanoFramework.System.Net | System.Net.Security
        CertificateRequired = 4,
    }

    // nanoFramework.System.Net | System.Net.Security
    public class SslStream : System.Net.Sockets.NetworkStream
    {
        // nanoFramework.System.Net | System.Net.Security
        public SslStream(System.Net.Sockets.Socket socket) { throw new NotImplementedException(); }
        // nanoFramework.System.Net | System.Net.Security
        public SslVerification SslVerification { get { throw new NotImplementedException(); } set { throw new NotImplementedException(); } }
        // nanoFramework.System.Net | System.Net.Security
        public void AuthenticateAsClient(string targetHost,
            System.Security.Cryptography.X509Certificates.X509Certificate clientCertificate,
            System.Security.Cryptography.X509Certificates.X509Certificate ca, SslProtocols enabledSslProtocols)
        {
            throw new NotImplementedException();
        }
        // nanoFramework.System.Net | System.Net.Security
        public void AuthenticateAsServer(System.Security.Cryptography.X509Certificates.X509Certificate serverCertificate,
            SslProtocols enabledSslProtocols)
        {
            throw new NotImplementedException();
        }
        // nanoFramework.System.Net | System.Net.Security
        public override bool DataAvailable { get { throw new NotImplementedException(); } }
        // nanoFramework.System.Net | System.Net.Security
        public override long Length { get { throw new NotImplementedException(); } }
        // nanoFramework.System.Net | System.Net.Security
        public override int Read(byte[] buffer, int offset, int size) { throw new NotImplementedException(); }
        // nanoFramework.System.Net | System.Net.Security
        public override void Write(byte[] buffer, int offset, int size) { throw new NotImplementedException(); }
    }
}

namespace System.Security.Cryptography.X509Certificates
{
    // nanoFramework.System.Net | System.Security.Cryptography.X509Certificates
    public class X509Certificate
    {
        internal X509Certificate() { }
        // nanoFramework.System.Net | System.Security.Cryptography.X509Certificates
        public X509Certificate(byte[] certificate) { throw new NotImplementedException(); }
    }

    // nanoFramework.System.Net | System.Security.Cryptography.X509Certificates
    public class X509Certificate2 : X509Certificate
    {
        // nanoFramework.System.Net | System.Security.Cryptography.X509Certificates
        public X509Certificate2(byte[] rawData, byte[] key, string password) { throw new NotImplementedException(); }
    }
}

namespace System.Net.NetworkInformation
{
    // nanoFramework.System.Net | System.Net.NetworkInformation
    public class NetworkInterface
    {
        internal NetworkInterface() { }
        // nanoFramework.System.Net | System.Net.NetworkInformation
        public static NetworkInterface[] GetAllNetworkInterfaces() { throw new NotImplementedException(); }
        // nanoFramework.System.Net | System.Net.NetworkInformation
        public string IPv4Address { get { throw new NotImplementedException(); } }
        // nanoFramework.System.Net | System.Net.NetworkInformation
        public string[] IPv4DnsAddresses { get { throw new NotImplementedException(); } }
    }
}

namespace nanoFramework.Networking
{
    // nanoFramework.System.Net | nanoFramework.Networking
    public static class NetworkHelper
    {
        // nanoFramework.System.Net | nanoFramework.Networking
        public static global::System.Threading.ManualResetEvent NetworkReady { get { throw new global::System.NotImplementedException(); } }
        // nanoFramework.System.Net | nanoFramework.Networking
        public static void SetupNetworkHelper(bool requiresDateTime = false) { throw new global::System.NotImplementedException(); }
    }
}
