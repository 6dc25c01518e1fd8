// What the loop does the same way for every server-side protocol machine (SMTP, POP3): feed bytes,
// send replies, run timeouts, close. Protocol-specific events stay with the concrete session.
namespace MailGateway.Core.Runtime
{
    public interface IServerSession
    {
        string ClientAddress { get; }
        int Receive(byte[] buffer, int offset, int count, long nowMs);
        void ReceiveEof();
        /// <summary>
        /// The reply bytes to send, where they wait: buffer[offset .. offset + the count returned);
        /// the socket takes them from there (no copy, no buffer of the loop's), and Transmitted says
        /// how many it took. 0: nothing to send now.
        /// </summary>
        int PeekTransmit(out byte[] buffer, out int offset);
        /// <summary>count of the bytes PeekTransmit showed are sent.</summary>
        void Transmitted(int count);
        bool HasOutput { get; }
        /// <summary>True when Receive would take bytes now.</summary>
        bool CanReceive { get; }
        /// <summary>A last reply is queued or sent; nothing more is read as commands.</summary>
        bool IsClosing { get; }
        bool IsClosed { get; }
        long PollDeadline();
        void HandleDeadline(long nowMs);
        string PollLogLine();
        void Shutdown();
    }
}
