// What the tests' two TLS peers share (ServerEnd plays the server for the gateway's client side,
// TlsClientEnd the client for its server side): a blocking loopback socket, plaintext on it before
// the upgrade, an SslStream after it, and a bounded close. Each side adds its own handshake.
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace MailGateway.Tests.Network
{
    internal abstract class TlsTestEnd : IDisposable
    {
        protected SslStream Tls;

        protected TlsTestEnd(Socket socket)
        {
            Socket = socket;
        }

        public Socket Socket { get; }

        /// <summary>Writes plaintext on the raw socket (in one send call).</summary>
        public void SendPlain(string text)
        {
            byte[] bytes = TlsKit.Ascii(text);
            Assert.Equal(bytes.Length, Socket.Send(bytes));
        }

        /// <summary>Reads exactly count plaintext bytes from the raw socket.</summary>
        public string ReceivePlain(int count)
        {
            return Encoding.ASCII.GetString(LoopbackKit.ClientReceiveExactly(Socket, count));
        }

        public void SendTls(string text)
        {
            SendTls(TlsKit.Ascii(text));
        }

        public void SendTls(byte[] bytes)
        {
            Tls.Write(bytes);
            Tls.Flush();
        }

        /// <summary>Reads exactly count plaintext bytes through TLS.</summary>
        public byte[] ReceiveTls(int count)
        {
            var data = new byte[count];
            int got = 0;
            while (got < count)
            {
                int n = Tls.Read(data, got, count - got);
                Assert.True(n > 0, "EOF through TLS after " + got + " of " + count + " bytes");
                got += n;
            }
            return data;
        }

        /// <summary>Ends the connection: close_notify when TLS is up, then FIN.</summary>
        public void Shutdown()
        {
            if (Tls != null)
            {
                using var deadline = new CancellationTokenSource(LoopbackKit.DeadlineMs);
                Tls.ShutdownAsync().WaitAsync(deadline.Token).GetAwaiter().GetResult();
            }
            Socket.Shutdown(SocketShutdown.Send);
        }

        /// <summary>Reads the raw socket until EOF (bounded by its ReceiveTimeout); true when EOF or a reset came.</summary>
        public bool SeesEof()
        {
            var buffer = new byte[16 * 1024];
            try
            {
                while (true)
                {
                    if (Socket.Receive(buffer) == 0) return true;
                }
            }
            catch (SocketException e)
            {
                return e.SocketErrorCode == SocketError.ConnectionReset;
            }
        }

        public virtual void Dispose()
        {
            Tls?.Dispose();
            Socket.Dispose();
        }
    }
}
