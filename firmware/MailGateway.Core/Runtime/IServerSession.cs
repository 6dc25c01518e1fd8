// What the loop does the same way for every server-side protocol machine (SMTP, POP3): feed bytes,
// send replies, run timeouts, close. Protocol-specific events stay with the concrete session.
namespace MailGateway.Core.Runtime
{
    public interface IServerSession : ITransmitter
    {
        string ClientAddress { get; }
        int Receive(byte[] buffer, int offset, int count, long nowMs);
        void ReceiveEof();
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
