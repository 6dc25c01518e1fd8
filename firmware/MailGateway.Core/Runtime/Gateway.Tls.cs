// TLS in the loop (RFC 3207 STARTTLS, RFC 8314 implicit TLS), for SMTP and POP3 alike: the
// handshake starts once the "ready" reply is sent (or at once on an implicit-TLS listener), with
// the client's plaintext read-ahead dropped; nothing is read or sent until it ends.
using MailGateway.Core.Smtp;

namespace MailGateway.Core.Runtime
{
    public sealed partial class Gateway
    {
        /// <summary>How long a client may take to finish the TLS handshake.</summary>
        public const long TlsHandshakeMs = 30 * 1000;

        // The connection's TLS session counts against limits.tls_sessions from the moment its
        // handshake is agreed (the session checked TlsSessions.HasFree before agreeing, in this pass).
        private void TakeTls(Connection c)
        {
            if (c.HoldsTls) return;
            if (_tlsSessions.TryTake()) c.HoldsTls = true;
            else _log.Line("warning: " + c.ClientName + ": TLS started beyond limits.tls_sessions");
        }

        private void ReleaseTls(Connection c)
        {
            if (!c.HoldsTls) return;
            c.HoldsTls = false;
            _tlsSessions.Release();
        }

        private void BeginTls(Connection c, long nowMs)
        {
            // The client's read-ahead behind STARTTLS is plaintext it pipelined: never commands
            // after the upgrade (CVE-2011-0411). The network layer drops what it still holds.
            c.InputCount = 0;
            c.InputStart = 0;
            _network.StartTlsServer(c.Handle);
            c.TlsPending = true;
            c.TlsDeadlineMs = nowMs + TlsHandshakeMs;
        }

        // Starts the handshake once the 220 to STARTTLS is out, and finishes it; true if it moved.
        private bool TendTls(Connection c, long nowMs)
        {
            if (c.StartTlsAfterFlush && !c.Server.HasOutput)
            {
                c.StartTlsAfterFlush = false;
                BeginTls(c, nowMs);
                return true;
            }
            if (!c.TlsPending) return false;
            int status = _network.TlsStatus(c.Handle);
            if (status == TlsState.Handshaking && nowMs < c.TlsDeadlineMs) return false;
            c.TlsPending = false;
            bool up = status == TlsState.Up;
            if (up) _log.Line("TLS connection established from " + c.ClientName + ": " + _network.TlsDescription(c.Handle));
            else _log.Line("warning: TLS handshake with " + c.ClientName + " failed: " +
                           (status == TlsState.Handshaking ? "timed out" : _network.TlsDescription(c.Handle)));
            if (c.Pop3 != null && c.Pop3.State == Local.Pop3State.AwaitingTls) c.Pop3.CompleteTls(up);
            else if (c.Session != null && c.Session.State == ServerState.AwaitingTls) c.Session.CompleteTls(up);
            else if (!up) c.Server.ReceiveEof(); // implicit TLS failed before the greeting
            if (!up)
            {
                c.SendFailed = true;
                c.PeerClosed = true;
            }
            HandleEvents(c);
            Flush(c);
            return true;
        }
    }
}
