// The server end of a ClientLink: our own SmtpServerSession with a spool that always says 250
// (OurServer), or a scripted sink (ScriptedUpstream). Both are pure: bytes and time in, bytes out.
using MailGateway.Core.Smtp;
using MailGateway.Tests.Smtp;
using MailGateway.Core.Runtime;

namespace MailGateway.Tests.Client
{
    public interface IUpstream
    {
        /// <summary>The TCP connection is up (the greeting may be sent now).</summary>
        void Connected(long nowMs);

        /// <summary>Bytes from the client; returns how many were taken (fewer under backpressure).</summary>
        int Receive(byte[] buffer, int offset, int count, long nowMs);

        int PollTransmit(byte[] dst, int offset, int max);

        /// <summary>The client closed the connection.</summary>
        void ReceiveEof();

        /// <summary>The client asked for TLS and the handshake is done (only the sink supports it).</summary>
        void StartTls();

        /// <summary>True once this side has closed; the link sends EOF to the client after the last output.</summary>
        bool IsClosed { get; }

        long PollDeadline();

        void HandleDeadline(long nowMs);
    }

    /// <summary>Our SmtpServerSession as the gateway loop runs it, with a spool that stores every message and answers 250.</summary>
    public sealed class OurServer : IUpstream
    {
        public readonly SessionHarness Harness = new SessionHarness { ClientAddress = SessionHarness.Trusted };
        public readonly List<byte[]> Stored = new List<byte[]>();
        private SmtpServerSession _session;
        private MemoryStream _message;
        private int _queued;

        public SmtpServerSession Session => _session;

        public void Connected(long nowMs)
        {
            Harness.StartMs = nowMs;
            _session = Harness.NewSession();
        }

        public int Receive(byte[] buffer, int offset, int count, long nowMs)
        {
            int used = _session.Receive(buffer, offset, count, nowMs);
            HandleEvents();
            return used;
        }

        public int PollTransmit(byte[] dst, int offset, int max)
        {
            HandleEvents();
            return Transmitter.Copy(_session, dst, offset, max);
        }

        public void ReceiveEof() => _session.ReceiveEof();

        public void StartTls() => throw new InvalidOperationException("our server does not offer STARTTLS");

        public bool IsClosed => _session.IsClosed;

        public long PollDeadline() => _session.PollDeadline();

        public void HandleDeadline(long nowMs) => _session.HandleDeadline(nowMs);

        /// <summary>A stored message without the Received field our server puts first (three lines for one recipient, else two).</summary>
        public string StoredAfterReceived(int index)
        {
            string text = Transcript.Latin1(Stored[index]);
            Assert.StartsWith("Received: ", text);
            int end = text.IndexOf(" +0000\r\n", StringComparison.Ordinal);
            return text[(end + 8)..];
        }

        private void HandleEvents()
        {
            for (int e = _session.PollEvent(); e != SessionEvent.None; e = _session.PollEvent())
            {
                switch (e)
                {
                    case SessionEvent.DataStarting:
                        _message = new MemoryStream();
                        _session.CompleteDataStart(SessionHarness.QueueId(++_queued), SessionHarness.MessageUnixMs);
                        break;
                    case SessionEvent.BodyReady:
                        var body = _session.Body;
                        _message.Write(body.Array, body.Start, body.Count);
                        body.Consume(body.Count);
                        break;
                    case SessionEvent.DataEnded:
                        _message.Write(_session.Body.Array, _session.Body.Start, _session.Body.Count);
                        _session.Body.Consume(_session.Body.Count);
                        Stored.Add(_message.ToArray());
                        _message = null;
                        _session.CompleteSpool(new Reply(250, "2.0.0", "Ok"));
                        break;
                    case SessionEvent.DataAborted:
                        _message = null;
                        break;
                }
            }
            while (_session.PollLogLine() != null) { }
        }
    }
}
