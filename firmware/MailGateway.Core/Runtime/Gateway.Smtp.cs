// SMTP in the loop: the session's events carried to the spool (open a queue file at DATA, append
// body chunks, commit or abort at the end, hand each session its verdict after the group commit),
// aliases expanded into the envelope, and SMTP AUTH checked against the users file — failures
// throttled per address and answered late.
using System.Collections;
using MailGateway.Core.Smtp;
using MailGateway.Core.Spool;
using MailGateway.Core.Text;

namespace MailGateway.Core.Runtime
{
    public sealed partial class Gateway
    {
        private void HandleEvents(Connection c)
        {
            if (c.Pop3 != null)
            {
                HandlePop3Events(c);
                return;
            }
            if (c.Console != null)
            {
                HandleConsoleEvents(c.Console, c.ClientName, _clock.MonotonicMs());
                return;
            }
            SmtpServerSession s = c.Session;
            int e;
            while ((e = s.PollEvent()) != SessionEvent.None)
            {
                switch (e)
                {
                    case SessionEvent.DataStarting: StartMessage(c); break;
                    case SessionEvent.BodyReady: WriteBody(c, false); break;
                    case SessionEvent.DataEnded: EndMessage(c); break;
                    case SessionEvent.DataAborted: AbortMessage(c); break;
                    case SessionEvent.AuthRequested: Authenticate(c); break;
                    case SessionEvent.StartTls:
                        c.StartTlsAfterFlush = true;
                        TakeTls(c);
                        break;
                }
            }
            string line;
            while ((line = s.PollLogLine()) != null) _log.Line(line);
        }

        // SMTP AUTH (RFC 4954): the password against the users file, failures throttled per address.
        private void Authenticate(Connection c)
        {
            SmtpServerSession s = c.Session;
            string address = s.ClientAddress;
            long nowMs = _clock.MonotonicMs();
            if (_logins.IsBlocked(address, nowMs))
            {
                _log.Line("warning: " + c.ClientName + ": too many failed logins, AUTH refused for now");
                s.CompleteAuth(Replies.AuthTemporaryFailure);
                return;
            }
            if (_local == null)
            {
                DelayFailure(c, nowMs);
                return;
            }
            BeginPasswordCheck(c, s.AuthUser, s.AuthPassword);
        }

        // The password check of an SMTP AUTH has ended.
        private void AuthChecked(Connection c, bool ok, long nowMs)
        {
            if (ok)
            {
                _logins.Succeeded(c.Server.ClientAddress);
                RememberLogin(c.Server.ClientAddress, nowMs);
                c.Session.CompleteAuth(Replies.AuthSucceeded);
                return;
            }
            _logins.Failed(c.Server.ClientAddress, nowMs);
            DelayFailure(c, nowMs);
        }

        // ---- Password checks run beside the loop (IUsers.BeginVerify) ----------------------------

        /// <summary>How often the loop looks at a running password check.</summary>
        public const long PasswordCheckPollMs = 10;

        private readonly ArrayList _checks = new ArrayList();         // connections
        private readonly ArrayList _checkHandles = new ArrayList();   // their IUsers handles

        private void BeginPasswordCheck(Connection c, string user, string password)
        {
            _checks.Add(c);
            _checkHandles.Add(_local.Users.BeginVerify(user, password));
        }

        // Hands finished checks to their sessions; returns when to look again (or MaxValue).
        private long FinishPasswordChecks(long nowMs)
        {
            for (int i = _checks.Count - 1; i >= 0; i--)
            {
                int result = _local.Users.PollVerify((int)_checkHandles[i]);
                if (result < 0) continue;
                Connection c = (Connection)_checks[i];
                _checks.RemoveAt(i);
                _checkHandles.RemoveAt(i);
                if (!_connections.Contains(c)) continue; // the client gave up meanwhile
                try
                {
                    if (c.Pop3 != null) Pop3Checked(c, result == 1, nowMs);
                    else AuthChecked(c, result == 1, nowMs);
                    HandleEvents(c);
                }
                catch (System.Exception e)
                {
                    if (Failures.IsHalt(e)) throw;
                    Contain(c, e);
                }
            }
            return _checks.Count > 0 ? nowMs + PasswordCheckPollMs : long.MaxValue;
        }

        // ---- Failed logins are answered late (like Dovecot's auth_failure_delay) ----------------

        /// <summary>How long a wrong password waits for its answer, so guessing is slow.</summary>
        public const long LoginFailureDelayMs = 1000;

        private readonly ArrayList _delayedFailures = new ArrayList();   // connections, in due order
        private readonly ArrayList _delayedDueMs = new ArrayList();

        private void DelayFailure(Connection c, long nowMs)
        {
            _delayedFailures.Add(c);
            _delayedDueMs.Add(nowMs + LoginFailureDelayMs);
        }

        // Answers the failed logins whose delay is over; returns the next due time (or MaxValue).
        private long AnswerDelayedFailures(long nowMs)
        {
            while (_delayedFailures.Count > 0 && (long)_delayedDueMs[0] <= nowMs)
            {
                Connection c = (Connection)_delayedFailures[0];
                _delayedFailures.RemoveAt(0);
                _delayedDueMs.RemoveAt(0);
                if (!_connections.Contains(c)) continue; // the client gave up meanwhile
                try
                {
                    if (c.Pop3 != null) c.Pop3.CompleteAuth(false, null, Local.Pop3Replies.LoginFailed);
                    else c.Session.CompleteAuth(Replies.AuthFailed);
                    HandleEvents(c);
                }
                catch (System.Exception e)
                {
                    if (Failures.IsHalt(e)) throw;
                    Contain(c, e);
                }
            }
            return _delayedFailures.Count > 0 ? (long)_delayedDueMs[0] : long.MaxValue;
        }

        private void StartMessage(Connection c)
        {
            SmtpServerSession s = c.Session;
            if (!_clock.UnixTimeKnown())
            {
                // Received: and a repaired Date: need the date, and one stamped 1970 would be wrong
                // for ever: the client keeps the message and tries again (README, time).
                _log.Line("warning: " + c.ClientName + ": message deferred: the clock is not set yet");
                s.FailDataStart(Replies.ClockNotSet);
                return;
            }
            Envelope envelope = new Envelope();
            envelope.ArrivalUnixMs = _clock.UnixMs();
            envelope.ArrivalQueueMs = _queue.QueueTimeMs(_clock.MonotonicMs());
            envelope.ClientAddress = s.ClientAddress;
            envelope.Helo = s.HeloName;
            envelope.Protocol = s.Protocol;
            envelope.Sender = s.Sender.Address;
            envelope.Recipients = ExpandRecipients(s);
            if (envelope.Recipients.Length > Envelope.MaxRecipients)
            {
                // Aliases multiplied the recipients beyond what one queue file holds: refused now,
                // before any 250 (the client may send to fewer at a time).
                _log.Line("warning: " + c.ClientName + ": " + envelope.Recipients.Length.ToString() +
                          " recipients after alias expansion, more than " + Envelope.MaxRecipients.ToString());
                s.FailDataStart(Replies.TooManyExpandedRecipients);
                return;
            }
            MessageWriter writer;
            try
            {
                writer = _spool.Begin(envelope);
            }
            catch (System.IO.IOException e)
            {
                _log.Line("warning: spool: cannot create queue file: " + e.Message);
                s.FailDataStart(Replies.SpoolError);
                return;
            }
            if (writer == null)
            {
                s.FailDataStart(Replies.SpoolFull);
                return;
            }
            writer.Owner = c;
            c.Writer = writer;
            s.CompleteDataStart(envelope.QueueId, envelope.ArrivalUnixMs);
        }

        // The envelope recipients as the queue keeps them: aliases of the local domains expanded
        // (their targets may be external), the bare <postmaster> given a local domain.
        private string[] ExpandRecipients(SmtpServerSession s)
        {
            ArrayList result = new ArrayList();
            for (int i = 0; i < s.RecipientCount; i++)
            {
                MailPath r = s.Recipient(i);
                if (!r.IsBarePostmaster) _recipients.Add(r.Address, result);
                else _recipients.Add("postmaster@" + (_config.LocalDomains.Length > 0 ? _config.LocalDomains[0] : _config.Hostname), result);
            }
            return (string[])result.ToArray(typeof(string));
        }

        // last: the message has ended, and its end record goes out with these bytes.
        private void WriteBody(Connection c, bool last)
        {
            ByteBuffer body = c.Session.Body;
            if (c.Writer == null || (body.Count == 0 && !last))
            {
                body.Consume(body.Count);
                return;
            }
            bool stored;
            Reply failure = Replies.SpoolFull;
            try
            {
                stored = last ? c.Writer.WriteLast(body.Array, body.Start, body.Count) : c.Writer.Write(body.Array, body.Start, body.Count);
            }
            catch (System.IO.IOException e)
            {
                _log.Line(c.Writer.Envelope.QueueId + ": warning: spool write failed: " + e.Message);
                stored = false;
                failure = Replies.SpoolError;
            }
            body.Consume(body.Count);
            if (!stored)
            {
                _spool.Abort(c.Writer);
                c.Writer = null;
                c.Session.FailBody(failure);
            }
        }

        private void EndMessage(Connection c)
        {
            WriteBody(c, true);
            if (c.Writer == null)
            {
                // The spool failed during the body; FailBody already answered.
                return;
            }
            _spool.RequestCommit(c.Writer);
        }

        private void AbortMessage(Connection c)
        {
            if (c.Writer == null) return;
            _spool.Abort(c.Writer);
            c.Writer = null;
        }

        // True when some message's commit ended (a batch committing in the background may not yet have).
        private bool CommitBatch()
        {
            MessageWriter[] batch = _spool.CommitPending();
            CommitBatch(batch);
            return batch.Length > 0;
        }

        private void CommitBatch(MessageWriter[] batch)
        {
            for (int i = 0; i < batch.Length; i++)
            {
                if (Delivery.QueueRunner.IsBounceOwner(batch[i].Owner))
                {
                    _queue.BounceCommitted(batch[i]);
                    continue;
                }
                Connection c = (Connection)batch[i].Owner;
                c.Writer = null;
                if (!_connections.Contains(c) || c.Session.State != ServerState.AwaitingSpool) continue; // the client went away
                Reply verdict = Replies.Ok;
                if (batch[i].Outcome != MessageWriter.Committed)
                {
                    verdict = batch[i].OutOfSpace ? Replies.SpoolFull : Replies.SpoolError;
                }
                try
                {
                    c.Session.CompleteSpool(verdict);
                    HandleEvents(c);
                }
                catch (System.Exception e)
                {
                    if (Failures.IsHalt(e)) throw;
                    Contain(c, e);
                }
            }
        }
    }
}
