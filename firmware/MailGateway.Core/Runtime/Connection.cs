// One accepted TCP connection as the loop keeps it: the socket handle, the session (SMTP, POP3 or
// the console), bytes read but not yet consumed by the session, the spool file the current message
// is streaming into (SMTP), and where its TLS handshake stands. Replies wait in the session's own output until
// the socket takes them from there. Its input buffer is fixed-size (InputBytes): a connection's
// memory does not depend on what the client sends.
using MailGateway.Core.Smtp;

namespace MailGateway.Core.Runtime
{
    public sealed class Connection
    {
        /// <summary>Bytes read from the socket and not yet taken by the session (limits.io_buffer;
        /// this by default); the loop reads again within the same pass while the session keeps
        /// taking them (Gateway.ReadsPerPass).</summary>
        public const int InputBytes = 1024;

        public readonly int Handle;
        /// <summary>The protocol machine, whatever the protocol.</summary>
        public readonly IServerSession Server;
        /// <summary>The SMTP session, or null on a POP3 connection.</summary>
        public readonly SmtpServerSession Session;
        /// <summary>The POP3 session, or null on an SMTP connection.</summary>
        public readonly Local.Pop3Session Pop3;
        /// <summary>The console session, or null on an SMTP or POP3 connection.</summary>
        public readonly Console.ConsoleSession Console;
        public readonly byte[] Input;
        public int InputStart;
        public int InputCount;
        /// <summary>The client closed its side (EOF read); replies may still be sent.</summary>
        public bool PeerClosed;
        /// <summary>Sending failed: the connection is dead both ways.</summary>
        public bool SendFailed;
        /// <summary>The socket took only part of what the session showed last: a reply may be cut in two.</summary>
        public bool PartlySent;
        public Spool.MessageWriter Writer;
        /// <summary>When a closing connection is dropped even if its last reply was not taken (0: not closing).</summary>
        public long CloseByMs;
        /// <summary>STARTTLS was answered 220: start the handshake once that reply is sent.</summary>
        public bool StartTlsAfterFlush;
        /// <summary>The TLS handshake is running; nothing is read or sent meanwhile.</summary>
        public bool TlsPending;
        public long TlsDeadlineMs;
        /// <summary>This connection holds one of limits.tls_sessions (given back when it closes).</summary>
        public bool HoldsTls;
        /// <summary>The client was trusted when it connected (relay.allow, a recent login): it may use the reserved sessions.</summary>
        public bool Trusted;
        /// <summary>What the loop last told INetwork.WatchReceive for this connection.</summary>
        public bool ReceiveWatched = true;

        /// <summary>input: the input buffer (limits.io_buffer bytes), new or an ended connection's.</summary>
        public Connection(int handle, SmtpServerSession session, byte[] input)
        {
            Handle = handle;
            Input = input;
            Session = session;
            Server = session;
        }

        public Connection(int handle, Local.Pop3Session session)
        {
            Handle = handle;
            Input = new byte[InputBytes];
            Pop3 = session;
            Server = session;
        }

        public Connection(int handle, Console.ConsoleSession session)
        {
            Handle = handle;
            Input = new byte[InputBytes];
            Console = session;
            Server = session;
        }

        public string ClientName { get { return "unknown[" + Server.ClientAddress + "]"; } }
    }
}
