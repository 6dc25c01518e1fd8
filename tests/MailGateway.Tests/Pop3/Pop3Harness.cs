// Runs a Transcript (Smtp/Transcript.cs: C:, C!, S:, W:, E:) against the pure Pop3Session, acting as
// the gateway loop would:
//   - input is buffered; Receive may consume fewer bytes than offered, the rest is offered again
//     (backpressure: a session streaming a message reads nothing);
//   - AuthRequested -> the user and password are checked against Passwords; a mailbox in
//     LockedByOthers or already locked gets "[IN-USE] mailbox locked"; a good login locks a fresh
//     copy of the user's MemoryMaildrop and hands it over. With DelayFailedLogins a failure verdict
//     waits for the next W: step (the loop's throttling);
//   - StartTls -> the +OK is flushed in clear, then the handshake "happens" at the next W: or E:
//     step (or at the end): everything the client sent before that step was sent in clear;
//   - Commit -> Maildrop.CommitDeletions(), CompleteCommit(result);
//   - EOF is delivered, as Runtime/Gateway does, once the input is consumed and CanReceive holds;
//   - replies are taken with PollTransmit through a small odd-sized buffer, log lines with PollLogLine.
// Time is virtual: W: advances it and the loop wakes at every deadline on the way.
//
// Run() plays the transcript whole, one byte at a time and in seeded random chunks, and requires
// the same replies, events, log lines and maildrop outcome from each; a failure names the feed.
using MailGateway.Core.Local;
using MailGateway.Tests.Smtp;
using MailGateway.Tests.Text;
using MailGateway.Core.Runtime;

namespace MailGateway.Tests.Pop3
{
    public sealed class Pop3Harness
    {
        public const string Hostname = "pop.local.test";
        public const string Greeting = "S: +OK pop.local.test POP3 ready\n";
        public const string ClientAddress = "192.0.2.10";

        // LAN defaults for most tests: no TLS, plaintext login allowed. Tests of TLS set their own.
        public Pop3Settings Settings = new Pop3Settings { Hostname = Hostname, AllowPlaintextLogin = true };
        public bool StartsWithTls;
        public Dictionary<string, string> Passwords = new Dictionary<string, string> { ["alice"] = "secret", ["bob"] = "correct horse" };
        public Dictionary<string, MemoryMaildrop> Mailboxes = new Dictionary<string, MemoryMaildrop>
        {
            ["alice"] = Rfc1939Maildrop(),
            ["bob"] = MemoryMaildrop.Of(),
        };
        public HashSet<string> LockedByOthers = new HashSet<string>();
        public bool DelayFailedLogins;
        public bool TlsHandshakeOk = true;
        public long StartMs = 1_000_000;

        /// <summary>"USER alice", "PASS secret" and the login reply for the RFC 1939 maildrop.</summary>
        public const string Login = """
            C: USER alice
            S: +OK Send PASS
            C: PASS secret
            S: +OK alice's maildrop has 2 messages (320 octets)

            """;

        /// <summary>Message 1 of RFC 1939 §10's example maildrop: 120 octets.</summary>
        public static readonly string Message1 = Sized("From: bob@local.test\nSubject: one\n\n", 120);
        /// <summary>Message 2: 200 octets.</summary>
        public static readonly string Message2 = Sized("From: carol@local.test\nSubject: two\n\n", 200);

        public static MemoryMaildrop Rfc1939Maildrop()
        {
            var drop = new MemoryMaildrop();
            drop.Add(Message1, "whqtswO00WBw418f9t5JxYwZ");
            drop.Add(Message2, "QhdPYR:00WBw1Ph7x7");
            return drop;
        }

        /// <summary>A CRLF message of exactly size octets: the header, then body lines of x's.</summary>
        public static string Sized(string header, int size)
        {
            string text = MemoryMaildrop.Crlf(header);
            int line = 1;
            while (text.Length < size)
            {
                int room = size - text.Length;
                string body = room >= 40 ? "line " + line++ + " " + new string('x', 28) : new string('y', Math.Max(0, room - 2));
                if (room < 40 && room < 2) throw new ArgumentException("size not reachable");
                text += body + "\r\n";
            }
            if (text.Length != size) throw new ArgumentException("size " + text.Length + " != " + size);
            return text;
        }

        /// <summary>S: lines for the message text as it appears on the wire after RETR (stuffed, no final dot).</summary>
        public static string ServerLines(string crlfText)
        {
            var lines = crlfText.Split("\r\n");
            return string.Concat(lines.Take(lines.Length - 1).Select(l => "S:" + (l.Length == 0 ? "" : " " + (l.StartsWith('.') ? "." + l : l)) + "\n"));
        }

        public Pop3Run Run(string transcriptText)
        {
            var transcript = Transcript.Parse(transcriptText);
            return transcript.RunEveryFeed(feed => RunOnce(transcript, feed), run => run.Replies,
                                           (first, run) => first.DifferenceFrom(run),
                                           run => "\nEvents: " + string.Join(", ", run.Events) + "\nLog:\n  " + string.Join("\n  ", run.Log) + "\n");
        }

        public Pop3Run RunOnce(Transcript transcript, Feed feed)
        {
            var loop = new Loop(this, feed.Name);
            foreach (var step in transcript.Steps)
            {
                switch (step.Kind)
                {
                    case Transcript.Send:
                        for (int done = 0; done < step.Bytes.Length;)
                        {
                            int n = feed.Next(step.Bytes.Length - done);
                            loop.Arrive(step.Bytes, done, n);
                            done += n;
                        }
                        break;
                    case Transcript.Wait:
                        loop.Wait(step.Ms);
                        break;
                    case Transcript.Eof:
                        loop.Eof();
                        break;
                }
            }
            return loop.Finish();
        }

        public Pop3Session NewSession()
        {
            return new Pop3Session(Settings, ClientAddress, StartsWithTls, StartMs);
        }

        // The gateway loop, as far as one session goes.
        private sealed class Loop
        {
            private readonly Pop3Harness _h;
            private readonly Pop3Session _session;
            private readonly Pop3Run _run;
            private readonly byte[] _transmit = new byte[97]; // an odd size, so replies leave in pieces
            private byte[] _pending = new byte[256];
            private int _pendingStart, _pendingEnd;
            private long _nowMs;
            private bool _tlsPending;
            private string _deferredFailure;
            private bool _eof, _eofDelivered;

            public Loop(Pop3Harness harness, string feedName)
            {
                _h = harness;
                _nowMs = harness.StartMs;
                _session = harness.NewSession();
                _run = new Pop3Run { Feed = feedName, Session = _session };
                Pump();
            }

            public void Arrive(byte[] bytes, int offset, int count)
            {
                if (_pendingEnd + count > _pending.Length)
                {
                    int live = _pendingEnd - _pendingStart;
                    var bigger = new byte[Math.Max(_pending.Length, (live + count) * 2)];
                    Array.Copy(_pending, _pendingStart, bigger, 0, live);
                    _pending = bigger;
                    _pendingStart = 0;
                    _pendingEnd = live;
                }
                Array.Copy(bytes, offset, _pending, _pendingEnd, count);
                _pendingEnd += count;
                Pump();
            }

            public void Wait(long ms)
            {
                long target = _nowMs + ms;
                for (long deadline = _session.PollDeadline(); deadline <= target; deadline = _session.PollDeadline())
                {
                    _nowMs = Math.Max(_nowMs, deadline);
                    _session.HandleDeadline(_nowMs);
                    Pump();
                }
                _nowMs = target;
                AnswerDeferred();
                Pump();
            }

            public void Eof()
            {
                AnswerDeferred();
                _eof = true;
                Pump();
            }

            public Pop3Run Finish()
            {
                AnswerDeferred();
                Pump();
                _run.Unconsumed = _pendingEnd - _pendingStart;
                _run.Closed = _session.IsClosed;
                _run.FinalState = Pop3State.Name(_session.State);
                _run.Maildrop = _run.Locked;
                if (!_session.IsClosed && _session.State != Pop3State.Closing)
                {
                    Assert.True(_run.Unconsumed == 0,
                        "Feed " + _run.Feed + ": the session stalled with " + _run.Unconsumed + " bytes unread in state " + _run.FinalState);
                    if (_run.Locked != null) Assert.Equal(0, _run.Locked.UnlockCalls);
                }
                else
                {
                    Assert.Equal(Pop3Session.NoDeadline, _session.PollDeadline());
                    // The session unlocks the maildrop it was given exactly once.
                    if (_run.Locked != null) Assert.Equal(1, _run.Locked.UnlockCalls);
                }
                Assert.Null(_session.Password);
                return _run;
            }

            private void AnswerDeferred()
            {
                if (_tlsPending)
                {
                    _tlsPending = false;
                    _run.Events.Add(_h.TlsHandshakeOk ? "(TLS up)" : "(TLS failed)");
                    _session.CompleteTls(_h.TlsHandshakeOk);
                }
                if (_deferredFailure != null)
                {
                    string text = _deferredFailure;
                    _deferredFailure = null;
                    _session.CompleteAuth(false, null, text);
                }
                Pump();
            }

            private void Pump()
            {
                for (int rounds = 0; ; rounds++)
                {
                    Assert.True(rounds < 1_000_000, "the session never settles");
                    bool progress = false;
                    int offered = _pendingEnd - _pendingStart;
                    if (offered > 0)
                    {
                        int used = _session.Receive(_pending, _pendingStart, offered, _nowMs);
                        Assert.InRange(used, 0, offered);
                        _pendingStart += used;
                        if (_pendingStart == _pendingEnd) _pendingStart = _pendingEnd = 0;
                        progress = used > 0;
                    }
                    progress |= HandleEvents();
                    progress |= Transmit();
                    if (_eof && !_eofDelivered && _pendingEnd == _pendingStart && _session.CanReceive)
                    {
                        _eofDelivered = true;
                        _session.ReceiveEof();
                        progress = true;
                    }
                    if (!progress) return;
                }
            }

            private bool HandleEvents()
            {
                bool any = false;
                for (int e = _session.PollEvent(); e != Pop3Event.None; e = _session.PollEvent())
                {
                    any = true;
                    switch (e)
                    {
                        case Pop3Event.AuthRequested:
                            Authenticate();
                            break;
                        case Pop3Event.StartTls:
                            _run.Events.Add("StartTls");
                            Transmit();   // the +OK goes out in clear, before the handshake
                            _tlsPending = true;
                            break;
                        case Pop3Event.Commit:
                            Assert.NotNull(_session.Maildrop);
                            Assert.Same(_run.Locked, _session.Maildrop);
                            bool ok = _session.Maildrop.CommitDeletions();
                            _run.Events.Add("Commit " + (ok ? "ok" : "failed"));
                            _session.CompleteCommit(ok);
                            break;
                        default:
                            Assert.Fail("Unknown session event " + e);
                            break;
                    }
                }
                for (string line = _session.PollLogLine(); line != null; line = _session.PollLogLine()) _run.Log.Add(line);
                return any;
            }

            private void Authenticate()
            {
                string user = _session.User;
                string password = _session.Password;
                Assert.NotNull(user);
                Assert.NotNull(password);
                _run.Events.Add("AuthRequested " + user);
                string failure = null;
                if (!_h.Passwords.TryGetValue(user, out string expected) || expected != password)
                {
                    failure = Pop3Replies.LoginFailed;
                }
                else if (_h.LockedByOthers.Contains(user) || (_run.Locked != null && _run.Locked.Locked))
                {
                    failure = Pop3Replies.MailboxInUse;
                }
                if (failure != null)
                {
                    if (_h.DelayFailedLogins)
                    {
                        _deferredFailure = failure;
                        return;
                    }
                    _session.CompleteAuth(false, null, failure);
                    Assert.Null(_session.Password);
                    return;
                }
                var drop = _h.Mailboxes[user].Clone();
                drop.Locked = true;
                _run.Locked = drop;
                _session.CompleteAuth(true, drop, null);
                Assert.Null(_session.Password);
            }

            private bool Transmit()
            {
                bool any = false;
                int n;
                while ((n = Transmitter.Copy(_session, _transmit, 0, _transmit.Length)) > 0)
                {
                    any = true;
                    _run.Output += Transcript.Latin1(_transmit[..n]);
                    _run.MaxPendingOutput = Math.Max(_run.MaxPendingOutput, _session.PendingOutput);
                }
                return any;
            }
        }
    }

    /// <summary>What one run of a transcript produced.</summary>
    public sealed class Pop3Run
    {
        public string Feed;
        public Pop3Session Session;
        public string Output = "";
        public readonly List<string> Events = new List<string>();
        public readonly List<string> Log = new List<string>();
        public bool Closed;
        public string FinalState;
        public int Unconsumed;
        public int MaxPendingOutput;
        /// <summary>The maildrop the last successful login locked (null without one).</summary>
        public MemoryMaildrop Locked;
        public MemoryMaildrop Maildrop;

        /// <summary>The replies, one entry per line, without CRLF.</summary>
        public List<string> Replies
        {
            get
            {
                var lines = Output.Split("\r\n").ToList();
                if (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
                return lines;
            }
        }

        public string DifferenceFrom(Pop3Run other)
        {
            if (Output != other.Output) return "replies\n" + Output + "\n---\n" + other.Output;
            if (!Events.SequenceEqual(other.Events)) return "events " + string.Join(",", Events) + " vs " + string.Join(",", other.Events);
            if (!Log.SequenceEqual(other.Log)) return "log\n" + string.Join("\n", Log) + "\n---\n" + string.Join("\n", other.Log);
            if (Closed != other.Closed) return "closed " + Closed + " vs " + other.Closed;
            if (Unconsumed != other.Unconsumed) return "unconsumed " + Unconsumed + " vs " + other.Unconsumed;
            string removed = Maildrop == null ? "" : string.Join(",", Maildrop.Removed);
            string otherRemoved = other.Maildrop == null ? "" : string.Join(",", other.Maildrop.Removed);
            if (removed != otherRemoved) return "removed " + removed + " vs " + otherRemoved;
            return null;
        }
    }
}
