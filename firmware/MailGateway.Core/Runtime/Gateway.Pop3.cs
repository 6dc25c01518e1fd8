// POP3 in the loop (RFC 1939, RFC 2595): listeners on pop3.listen (and implicit TLS on
// pop3.listen_tls), logins checked against the users file with the same per-address throttle as
// SMTP AUTH, the user's mailbox locked for the session (a second session gets [IN-USE]), STLS, and
// deletions carried out at QUIT; a successful login lets the address relay by SMTP for
// relay.pop_before_smtp (the seed's "SMTP-after-POP"). Shares everything else (reading, sending, TLS, timeouts, closing)
// with SMTP through IServerSession.
using MailGateway.Core.Local;

namespace MailGateway.Core.Runtime
{
    public sealed partial class Gateway
    {
        // ---- POP-before-SMTP (relay.pop_before_smtp) ----------------------------------------------

        // Client addresses remembered for POP-before-SMTP: limits.remembered_clients at the most,
        // the oldest forgotten first (a LAN box has few users, and each costs memory: mailgw budget).
        private readonly AddressMemory _popBeforeSmtp;

        private Pop3Settings Pop3Settings()
        {
            Pop3Settings s = new Pop3Settings();
            s.Hostname = _config.Hostname;
            s.TlsAvailable = _config.ServerTlsAvailable;
            s.AllowPlaintextLogin = _config.Pop3AuthPlaintext;
            s.TlsSessions = _tlsSessions;
            return s;
        }

        private void HandlePop3Events(Connection c)
        {
            Pop3Session s = c.Pop3;
            int e;
            while ((e = s.PollEvent()) != Pop3Event.None)
            {
                switch (e)
                {
                    case Pop3Event.AuthRequested: Pop3Login(c); break;
                    case Pop3Event.StartTls:
                        c.StartTlsAfterFlush = true;
                        TakeTls(c);
                        break;
                    case Pop3Event.Commit: s.CompleteCommit(s.Maildrop.CommitDeletions()); break;
                }
            }
            string line;
            while ((line = s.PollLogLine()) != null) _log.Line(line);
        }

        private void Pop3Login(Connection c)
        {
            Pop3Session s = c.Pop3;
            string address = s.ClientAddress;
            long nowMs = _clock.MonotonicMs();
            if (_local == null || _logins.IsBlocked(address, nowMs))
            {
                _log.Line("warning: " + c.ClientName + ": POP3 login refused for now (too many failures)");
                s.CompleteAuth(false, null, Pop3Replies.LoginFailed);
                return;
            }
            BeginPasswordCheck(c, s.User, s.Password);
        }

        // The password check of a POP3 login has ended: lock the mailbox and open the session's view.
        private void Pop3Checked(Connection c, bool ok, long nowMs)
        {
            Pop3Session s = c.Pop3;
            string address = s.ClientAddress;
            if (!ok)
            {
                _logins.Failed(address, nowMs);
                _log.Line("warning: " + c.ClientName + ": POP3 login failed for user " + s.User);
                DelayFailure(c, nowMs);
                return;
            }
            _logins.Succeeded(address);
            string folder = _local.Users.MailboxFolder(s.User);
            if (folder == null || !_local.Mailboxes.TryLock(folder))
            {
                _log.Line(c.ClientName + ": POP3 mailbox of user " + s.User + " is in use by another session");
                s.CompleteAuth(false, null, Pop3Replies.MailboxInUse);
                return;
            }
            Maildrop maildrop;
            try
            {
                maildrop = new Maildrop(_local.Mailboxes, folder, _config.Pop3MaxMessages);
            }
            catch (System.IO.IOException ex)
            {
                _local.Mailboxes.Unlock(folder);
                _log.Line("warning: mailbox " + folder + " cannot be read: " + ex.Message);
                s.CompleteAuth(false, null, "[SYS/TEMP] mailbox cannot be read");
                return;
            }
            _log.Line(c.ClientName + ": POP3 login user=" + s.User + ", " + maildrop.Count.ToString() + " message(s)");
            if (_config.PopBeforeSmtpMs > 0) _popBeforeSmtp.Remember(address, nowMs + _config.PopBeforeSmtpMs);
            RememberLogin(address, nowMs);
            s.CompleteAuth(true, maildrop, null);
        }
    }
}
