// TCP as the loop sees it: listeners and connections are small integer handles, every call
// returns at once (nothing blocks except Wait), and the core never sees a socket object.
//
// nanoFramework's sockets are blocking and have no Select: its adapter polls each socket with a
// zero timeout; the host adapter uses non-blocking sockets and Socket.Select in Wait.
namespace MailGateway.Core.Runtime
{
    public interface INetwork
    {
        /// <summary>Starts listening; address is an IPv4 or IPv6 literal. Throws on failure.</summary>
        int Listen(string address, int port);

        /// <summary>A newly accepted connection's handle, or -1 when none is waiting.</summary>
        int Accept(int listener);

        /// <summary>The peer's IP address as text ("192.0.2.7", "::1").</summary>
        string RemoteAddress(int connection);

        /// <summary>Bytes received (> 0), 0 when nothing is waiting, -1 when the peer closed or the connection failed.</summary>
        int Receive(int connection, byte[] buffer, int offset, int count);

        /// <summary>Bytes taken for sending (0 when the send buffer is full), -1 when the connection failed.</summary>
        int Send(int connection, byte[] buffer, int offset, int count);

        void Close(int connection);

        /// <summary>
        /// Whether Wait should wake for bytes arriving on this connection (true after Accept). The
        /// loop stops watching while it cannot take more input from a client, so that a client
        /// that sends but never reads cannot keep the loop spinning.
        /// </summary>
        void WatchReceive(int connection, bool watch);

        /// <summary>Sleeps until a listener or connection may have work, or maxMs passed.</summary>
        void Wait(long maxMs);
    }
}
