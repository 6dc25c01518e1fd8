// Runs a Transcript against the pure SmtpServerSession, acting as the gateway loop would:
//   - input is buffered; Receive may consume fewer bytes than offered, the rest is offered again
//     after the session's events are handled (backpressure, exactly as a socket loop keeps them);
//   - DataStarting -> CompleteDataStart(queue id, fixed time) or FailDataStart(configured reply);
//   - BodyReady    -> copy Body into the message being stored and consume it;
//   - DataEnded    -> the message is stored, CompleteSpool(configured verdict);
//   - DataAborted  -> the message being stored is discarded;
//   - StartTls     -> nothing until the transcript's T: step: then the bytes the session has not
//                     read are discarded (the network layer's half of CVE-2011-0411) and
//                     CompleteTls(TlsHandshakeOk) is called;
//   - AuthRequested-> CompleteAuth(AuthVerdict) when set, else 235 when AuthUser/AuthPassword match
//                     the accepted pair, else 535 5.7.8;
//   - replies are taken with PollTransmit after every step, log lines with PollLogLine.
// Time is virtual: nowMs starts at StartMs and only W: steps move it. No sleeps, no wall clock.
//
// Run() plays the transcript three ways — whole, one byte at a time, seeded random chunks — and
// requires the same replies, stored messages, events and log lines from each; a failure names the
// feed and its seed.
using MailGateway.Core.Relay;
using MailGateway.Core.Smtp;
using MailGateway.Core.Spool;
using MailGateway.Tests.Text;
using Xunit;
using MailGateway.Core.Runtime;

namespace MailGateway.Tests.Smtp
{
    public sealed class SessionHarness
    {
        public const string Hostname = "mx.local.test";
        /// <summary>A client outside relay.allow.</summary>
        public const string Stranger = "198.51.100.7";
        /// <summary>A client inside relay.allow.</summary>
        public const string Trusted = "192.0.2.10";
        /// <summary>The time CompleteDataStart is given: Fri, 15 Jan 2027 08:00:00 +0000.</summary>
        public const long MessageUnixMs = 1_800_000_000_000;
        public const string MessageDate = "Fri, 15 Jan 2027 08:00:00 +0000";
        public const string QueueIdPrefix = "4B7C1D";

        public ServerSettings Settings = new ServerSettings { Hostname = Hostname };
        public string[] LocalDomains = { "local.test" };
        public string[] RelayDomains = { "relay.test" };
        public string[] RelayAllow = { "192.0.2.0/24", "2001:db8:1::/48" };
        public string ClientAddress = Stranger;
        public long SpoolMaxBytes = 1L << 40;
        /// <summary>When set, DataStarting is answered with FailDataStart(this).</summary>
        public Reply DataStartFailure;
        public Reply SpoolVerdict = new Reply(250, "2.0.0", "Ok");
        /// <summary>When at least 0, FailBody() is called once the stored message is longer than this.</summary>
        public long FailBodyAfterBytes = -1;
        public long StartMs = 1_000_000;
        /// <summary>The session starts with TLS active (an implicit-TLS listener).</summary>
        public bool TlsActive;
        /// <summary>What the TLS handshake at a T: step gives CompleteTls.</summary>
        public bool TlsHandshakeOk = true;
        /// <summary>The one user/password pair the harness's password check accepts.</summary>
        public string AcceptedUser = "alice";
        public string AcceptedPassword = "s3cret";
        /// <summary>When set, every AuthRequested is answered with this verdict (e.g. 454 4.7.0 throttled).</summary>
        public Reply AuthVerdict;
        /// <summary>When set, the local recipient table (local parts, any case); null: every local part is known.</summary>
        public string[] LocalUsers;

        public static string QueueId(int n) => QueueIdPrefix + n.ToString("X4");

        /// <summary>Plays the transcript whole, byte by byte and in seeded random chunks; returns the whole run.</summary>
        public SessionRun Run(string transcriptText)
        {
            var transcript = Transcript.Parse(transcriptText);
            return transcript.RunEveryFeed(feed => RunOnce(transcript, feed), run => run.Replies,
                                           (first, run) => first.DifferenceFrom(run), Describe);
        }

        /// <summary>Plays the transcript once with one feed; checks only the loop's invariants.</summary>
        public SessionRun RunOnce(Transcript transcript, Feed feed)
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
                    case Transcript.Tls:
                        loop.Tls();
                        break;
                }
            }
            return loop.Finish();
        }

        private static string Describe(SessionRun run)
        {
            return "\nEvents: " + string.Join(", ", run.Events) + "\nLog:\n  " + string.Join("\n  ", run.Log) + "\n";
        }

        public RelayPolicy Policy()
        {
            ILocalRecipients users = LocalUsers == null ? null : new UserTable(LocalUsers);
            return new RelayPolicy(LocalDomains, RelayDomains, RelayAllow.Select(CidrRange.Parse).ToArray(), users);
        }

        /// <summary>A local recipient table from a list of local parts, compared case-insensitively.</summary>
        public sealed class UserTable : ILocalRecipients
        {
            private readonly string[] _users;
            public readonly List<string> Asked = new List<string>();
            public UserTable(string[] users) { _users = users; }
            /// <summary>Users whose mailbox is full (552 5.2.2 at RCPT).</summary>
            public readonly List<string> Full = new List<string>();
            public bool IsMailboxFull(string localPart) => Full.Contains(localPart.ToLowerInvariant());
            public bool IsKnown(string localPart)
            {
                Asked.Add(localPart);
                return _users.Any(u => string.Equals(u, localPart, StringComparison.OrdinalIgnoreCase));
            }
        }

        /// <summary>A session as the harness builds it, for tests that drive it by hand.</summary>
        public SmtpServerSession NewSession()
        {
            return new SmtpServerSession(Settings, Policy(), new SpoolSpace(SpoolMaxBytes), ClientAddress, TlsActive, StartMs);
        }

        // The gateway loop, as far as one session goes.
        private sealed class Loop
        {
            private readonly SessionHarness _h;
            private readonly SmtpServerSession _session;
            private readonly SessionRun _run;
            private readonly byte[] _transmit = new byte[97]; // an odd size, so replies leave in pieces
            private byte[] _pending = new byte[256];
            private int _pendingStart, _pendingEnd;
            private long _nowMs;
            private MemoryStream _message;
            private bool _bodyFailed;
            private int _queued;
            private bool _tlsAsked;

            public Loop(SessionHarness harness, string feedName)
            {
                _h = harness;
                _nowMs = harness.StartMs;
                _session = harness.NewSession();
                _run = new SessionRun { Feed = feedName, Session = _session };
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
                _nowMs += ms;
                if (_nowMs >= _session.PollDeadline()) _session.HandleDeadline(_nowMs);
                Pump();
            }

            public void Eof()
            {
                _session.ReceiveEof();
                Pump();
            }

            public void Tls()
            {
                Assert.True(_tlsAsked, "Feed " + _run.Feed + ": T: without a StartTls event");
                _tlsAsked = false;
                // What the client sent in plaintext after STARTTLS and the session did not read is
                // dropped by the network layer before the handshake.
                _run.DiscardedAtTls += _pendingEnd - _pendingStart;
                _pendingStart = _pendingEnd = 0;
                _session.CompleteTls(_h.TlsHandshakeOk);
                Pump();
            }

            public SessionRun Finish()
            {
                Pump();
                _run.Unconsumed = _pendingEnd - _pendingStart;
                _run.Closed = _session.IsClosed;
                _run.FinalState = ServerState.Name(_session.State);
                if (_message != null) _run.Events.Add("(message still open)");
                // A session that is still reading must have taken everything it was offered.
                if (!_session.IsClosed && _session.State != ServerState.Closing)
                {
                    Assert.True(_run.Unconsumed == 0,
                        "Feed " + _run.Feed + ": the session stalled with " + _run.Unconsumed + " bytes unread in state " + _run.FinalState);
                }
                else
                {
                    Assert.Equal(SmtpServerSession.NoDeadline, _session.PollDeadline());
                }
                Assert.True(_run.Output.Length == 0 || _run.Output.EndsWith("\r\n"), "output ends mid-line");
                return _run;
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
                    Transmit();
                    if (!progress) return;
                }
            }

            private bool HandleEvents()
            {
                bool any = false;
                for (int e = _session.PollEvent(); e != SessionEvent.None; e = _session.PollEvent())
                {
                    any = true;
                    switch (e)
                    {
                        case SessionEvent.DataStarting:
                            Assert.Null(_message);
                            _run.Events.Add("DataStarting");
                            if (_h.DataStartFailure != null)
                            {
                                _session.FailDataStart(_h.DataStartFailure);
                                break;
                            }
                            _message = new MemoryStream();
                            _bodyFailed = false;
                            _session.CompleteDataStart(QueueId(++_queued), MessageUnixMs);
                            break;
                        case SessionEvent.BodyReady:
                            Assert.NotNull(_message);
                            var body = _session.Body;
                            Assert.True(body.Count > 0, "BodyReady with an empty Body");
                            _run.MaxBodyCount = Math.Max(_run.MaxBodyCount, body.Count);
                            _message.Write(body.Array, body.Start, body.Count);
                            body.Consume(body.Count);
                            if (_h.FailBodyAfterBytes >= 0 && !_bodyFailed && _message.Length > _h.FailBodyAfterBytes)
                            {
                                _bodyFailed = true;
                                _session.FailBody(Replies.SpoolFull);
                            }
                            break;
                        case SessionEvent.DataEnded:
                            Assert.NotNull(_message);
                            _run.Events.Add("DataEnded");
                            _run.MaxBodyCount = Math.Max(_run.MaxBodyCount, _session.Body.Count);
                            _message.Write(_session.Body.Array, _session.Body.Start, _session.Body.Count);
                            _session.Body.Consume(_session.Body.Count);
                            _run.Stored.Add(_message.ToArray());
                            _message = null;
                            _session.CompleteSpool(_h.SpoolVerdict);
                            break;
                        case SessionEvent.DataAborted:
                            _run.Events.Add("DataAborted");
                            _run.Aborted++;
                            _message = null;
                            break;
                        case SessionEvent.StartTls:
                            Assert.False(_tlsAsked);
                            Assert.Equal(ServerState.AwaitingTls, _session.State);
                            _run.Events.Add("StartTls");
                            _tlsAsked = true;
                            break;
                        case SessionEvent.AuthRequested:
                            string user = _session.AuthUser, password = _session.AuthPassword;
                            Assert.NotNull(user);
                            Assert.NotNull(password);
                            _run.Events.Add("AuthRequested " + _session.AuthMechanism + " " + user);
                            _run.Credentials.Add(user + ":" + password);
                            Reply verdict = _h.AuthVerdict ??
                                (user == _h.AcceptedUser && password == _h.AcceptedPassword ? Replies.AuthSucceeded : Replies.AuthFailed);
                            _session.CompleteAuth(verdict);
                            Assert.Null(_session.AuthPassword);
                            break;
                        default:
                            Assert.Fail("Unknown session event " + e);
                            break;
                    }
                }
                for (string line = _session.PollLogLine(); line != null; line = _session.PollLogLine()) _run.Log.Add(line);
                return any;
            }

            private void Transmit()
            {
                int n;
                while ((n = Transmitter.Copy(_session, _transmit, 0, _transmit.Length)) > 0)
                {
                    _run.Output += Transcript.Latin1(_transmit[..n]);
                }
            }
        }
    }

    /// <summary>What one run of a transcript produced.</summary>
    public sealed class SessionRun
    {
        public string Feed;
        public SmtpServerSession Session;
        public string Output = "";
        public readonly List<byte[]> Stored = new List<byte[]>();
        public readonly List<string> Events = new List<string>();
        public readonly List<string> Log = new List<string>();
        public int Aborted;
        public bool Closed;
        public string FinalState;
        public int Unconsumed;
        public int MaxBodyCount;
        /// <summary>Client bytes dropped unread at T: steps (pipelined behind STARTTLS).</summary>
        public int DiscardedAtTls;
        /// <summary>"user:password" as each AuthRequested offered them.</summary>
        public readonly List<string> Credentials = new List<string>();

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

        /// <summary>The stored messages as text (one char per byte).</summary>
        public List<string> StoredText => Stored.Select(Transcript.Latin1).ToList();

        /// <summary>The single stored message's text; fails unless exactly one message was stored.</summary>
        public string Message
        {
            get
            {
                Assert.Single(Stored);
                return Transcript.Latin1(Stored[0]);
            }
        }

        /// <summary>The stored message without our Received field (the first header, two or three lines).</summary>
        public string MessageAfterReceived
        {
            get
            {
                string text = Message;
                Assert.StartsWith("Received: ", text);
                int end = text.IndexOf(" +0000\r\n", StringComparison.Ordinal);
                return text[(end + 8)..];
            }
        }

        public string DifferenceFrom(SessionRun other)
        {
            if (Output != other.Output) return "replies\n" + Output + "\n---\n" + other.Output;
            if (Stored.Count != other.Stored.Count) return "stored " + Stored.Count + " vs " + other.Stored.Count + " messages";
            for (int i = 0; i < Stored.Count; i++)
            {
                if (!Stored[i].AsSpan().SequenceEqual(other.Stored[i])) return "stored message " + i + " bytes";
            }
            if (!Events.SequenceEqual(other.Events)) return "events " + string.Join(",", Events) + " vs " + string.Join(",", other.Events);
            if (!Log.SequenceEqual(other.Log)) return "log\n" + string.Join("\n", Log) + "\n---\n" + string.Join("\n", other.Log);
            if (Closed != other.Closed) return "closed " + Closed + " vs " + other.Closed;
            if (Unconsumed != other.Unconsumed) return "unconsumed " + Unconsumed + " vs " + other.Unconsumed;
            if (DiscardedAtTls != other.DiscardedAtTls) return "discarded at TLS " + DiscardedAtTls + " vs " + other.DiscardedAtTls;
            if (!Credentials.SequenceEqual(other.Credentials)) return "credentials " + string.Join(",", Credentials) + " vs " + string.Join(",", other.Credentials);
            return null;
        }
    }
}
