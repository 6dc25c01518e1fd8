// Two pure peers on one simulated link (h11's ConnectionPair, quinn's Pair): an SmtpClientSession
// and an IUpstream, with this harness acting as both loops:
//   - bytes move both ways in chunks a Feed chooses; what a side does not take is offered again;
//   - client events: NeedBody → WriteBody from the message's byte array (piece sizes from the
//     feed); StartTls → the upstream upgrades, then CompleteTls(TlsHandshakeOk); MessageDone →
//     the outcome is recorded, then the next message or Quit; Closed → the link is done;
//   - a side that closes sends EOF to the other once its output is delivered;
//   - time is virtual: when nothing moves, the clock jumps to the earliest deadline and
//     HandleDeadline is called ("W: <ms>" in the dialog). No sleeps, no wall clock.
// Every line that crosses the link is recorded in order, "C: ..." and "S: ...", at the moment
// its sender gives it up, so the dialog shows pipelining (three C: lines before their S: lines)
// and does not depend on how the bytes were cut.
//
// Run() plays the scenario whole, byte by byte and with seeded random chunks, and requires the
// same dialog, outcomes and end from each; a failure names the feed and its seed.
using System.Text;
using MailGateway.Core.Smtp;
using MailGateway.Tests.Smtp;
using MailGateway.Tests.Text;
using MailGateway.Core.Runtime;

namespace MailGateway.Tests.Client
{
    public sealed class TestMessage
    {
        public string Sender = "cam@lan.test";
        public string[] Recipients = { "user@local.test" };
        public byte[] Body = Encoding.Latin1.GetBytes("Subject: hi\r\n\r\nhello\r\n");
        /// <summary>The size given to BeginMessage; -1: Body's length.</summary>
        public long Size = -1;

        public static TestMessage To(params string[] recipients) => new TestMessage { Recipients = recipients };

        public static TestMessage WithBody(string body) => new TestMessage { Body = Encoding.Latin1.GetBytes(body) };
    }

    public sealed class ClientLink
    {
        public const long StartMs = 1_000_000;

        public ClientSettings Settings = new ClientSettings { Hostname = "client.test" };
        public List<TestMessage> Messages;
        public bool ConnectFails;
        public bool TlsHandshakeOk = true;
        /// <summary>Let the virtual clock jump to the next deadline when nothing moves.</summary>
        public bool AdvanceTime = true;

        /// <summary>A link that sends these messages in order (one default message when none is given).</summary>
        public ClientLink(params TestMessage[] messages)
        {
            Messages = messages.Length > 0 ? messages.ToList() : new List<TestMessage> { new TestMessage() };
        }

        public LinkRun Run(Func<IUpstream> makeUpstream)
        {
            var feeds = new List<Func<Feed>> { Feed.Whole, Feed.ByteByByte };
            foreach (int seed in Feed.Seeds) feeds.Add(() => Feed.Random(seed, 700));
            LinkRun first = null;
            foreach (var makeFeed in feeds)
            {
                LinkRun run;
                var feed = makeFeed();
                try
                {
                    run = RunOnce(makeUpstream(), feed);
                }
                catch (Exception e) when (e is not Xunit.Sdk.XunitException)
                {
                    throw new Exception("Link run failed with feed " + feed + ": " + e.Message, e);
                }
                if (first == null)
                {
                    first = run;
                    continue;
                }
                string difference = first.DifferenceFrom(run);
                if (difference != null) Assert.Fail("Feed " + run.Feed + " differs from feed " + first.Feed + ": " + difference);
            }
            return first;
        }

        public LinkRun RunOnce(IUpstream upstream, Feed feed)
        {
            var link = new Pump(this, upstream, feed);
            return link.Run();
        }

        private sealed class Pump
        {
            private readonly ClientLink _l;
            private readonly IUpstream _up;
            private readonly Feed _feed;
            private readonly SmtpClientSession _client;
            private readonly LinkRun _run;
            private readonly byte[] _buffer = new byte[1000];
            private readonly List<byte> _toServer = new List<byte>();
            private readonly List<byte> _toClient = new List<byte>();
            private readonly StringBuilder _clientLine = new StringBuilder();
            private readonly StringBuilder _serverLine = new StringBuilder();
            private long _nowMs = StartMs;
            private int _next;           // next message to give
            private int _bodyMessage = -1;
            private int _bodyOffset;
            private bool _serverEofSent, _clientEofSent, _started;

            public Pump(ClientLink link, IUpstream upstream, Feed feed)
            {
                _l = link;
                _up = upstream;
                _feed = feed;
                _client = new SmtpClientSession(link.Settings, _nowMs);
                _run = new LinkRun { Feed = feed.Name, Client = _client, Upstream = upstream };
            }

            public LinkRun Run()
            {
                if (_l.Messages.Count > 0) Give();
                if (_l.ConnectFails)
                {
                    _client.ConnectFailed("Connection refused");
                }
                else
                {
                    _client.Connected(_nowMs);
                    _up.Connected(_nowMs);
                    _started = true;
                }
                for (int jumps = 0; ; jumps++)
                {
                    Settle();
                    if (_client.IsClosed || !_l.AdvanceTime) break;
                    long deadline = Math.Min(_client.PollDeadline(), _started ? _up.PollDeadline() : SmtpClientSession.NoDeadline);
                    Assert.True(deadline != SmtpClientSession.NoDeadline, "Feed " + _feed + ": the link is stuck in " + ClientState.Name(_client.State));
                    Assert.True(jumps < 50, "too many waits");
                    Assert.True(deadline >= _nowMs, "a deadline in the past");
                    _run.Lines.Add("W: " + (deadline - _nowMs));
                    _nowMs = deadline;
                    _client.HandleDeadline(_nowMs);
                    if (_started) _up.HandleDeadline(_nowMs);
                }
                _run.EndMs = _nowMs;
                _run.End = _client.End;
                _run.EndReply = _client.EndReply;
                _run.EndStage = _client.EndStage;
                _run.FinalState = ClientState.Name(_client.State);
                _run.GivenMessages = _next;
                if (_client.IsClosed) Assert.Equal(SmtpClientSession.NoDeadline, _client.PollDeadline());
                AssertCleanWire(_run.Wire.ToArray(), _feed.Name);
                return _run;
            }

            // Moves bytes and handles events until nothing changes.
            private void Settle()
            {
                for (int rounds = 0; ; rounds++)
                {
                    Assert.True(rounds < 1_000_000, "the link never settles");
                    bool progress = HandleClientEvents();
                    progress |= ClientToServer();
                    progress |= ServerToClient();
                    if (!progress) return;
                }
            }

            private bool ClientToServer()
            {
                bool progress = false;
                int n;
                while ((n = Transmitter.Copy(_client, _buffer, 0, _feed.Next(_buffer.Length))) > 0)
                {
                    progress = true;
                    for (int i = 0; i < n; i++)
                    {
                        _run.Wire.Add(_buffer[i]);
                        Record(_clientLine, "C: ", _buffer[i]);
                    }
                    if (_started && !_up.IsClosed) _toServer.AddRange(_buffer.AsSpan(0, n).ToArray());
                }
                while (_toServer.Count > 0 && !_up.IsClosed)
                {
                    int chunk = _feed.Next(_toServer.Count);
                    byte[] bytes = _toServer.GetRange(0, chunk).ToArray();
                    int used = _up.Receive(bytes, 0, chunk, _nowMs);
                    Assert.InRange(used, 0, chunk);
                    _toServer.RemoveRange(0, used);
                    if (used == 0) break;
                    progress = true;
                }
                if (_client.IsClosed && !_clientEofSent && _started && !_up.IsClosed)
                {
                    _clientEofSent = true;
                    _up.ReceiveEof();
                    progress = true;
                }
                return progress;
            }

            private bool ServerToClient()
            {
                if (!_started) return false;
                bool progress = false;
                int n;
                while ((n = _up.PollTransmit(_buffer, 0, _feed.Next(_buffer.Length))) > 0)
                {
                    progress = true;
                    for (int i = 0; i < n; i++) Record(_serverLine, "S: ", _buffer[i]);
                    _toClient.AddRange(_buffer.AsSpan(0, n).ToArray());
                }
                while (_toClient.Count > 0)
                {
                    if (_client.IsClosed)
                    {
                        _toClient.Clear();
                        break;
                    }
                    int chunk = _feed.Next(_toClient.Count);
                    byte[] bytes = _toClient.GetRange(0, chunk).ToArray();
                    Assert.Equal(chunk, _client.Receive(bytes, 0, chunk, _nowMs));
                    _toClient.RemoveRange(0, chunk);
                    progress = true;
                }
                if (_up.IsClosed && !_serverEofSent && !_client.IsClosed)
                {
                    _serverEofSent = true;
                    _client.ReceiveEof();
                    progress = true;
                }
                return progress;
            }

            private bool HandleClientEvents()
            {
                bool any = false;
                for (int e = _client.PollEvent(); e != ClientEvent.None; e = _client.PollEvent())
                {
                    any = true;
                    if (e != ClientEvent.NeedBody) _run.Events.Add(ClientEvent.Name(e));
                    switch (e)
                    {
                        case ClientEvent.NeedBody:
                            OfferBody();
                            break;
                        case ClientEvent.StartTls:
                            _up.StartTls();
                            _run.Lines.Add("-- TLS " + (_l.TlsHandshakeOk ? "established" : "failed"));
                            _client.CompleteTls(_l.TlsHandshakeOk, _nowMs);
                            break;
                        case ClientEvent.MessageDone:
                            Assert.True(_client.Outcome.Recipients.All(r => r.Status != DeliveryStatus.Pending), "a Pending recipient in a finished message");
                            _run.Outcomes.Add(_client.Outcome);
                            _run.OutcomeTimesMs.Add(_nowMs);
                            if (_next < _l.Messages.Count) Give();
                            else _client.Quit(_nowMs);
                            break;
                        case ClientEvent.Closed:
                            break;
                        default:
                            Assert.Fail("unknown client event " + e);
                            break;
                    }
                }
                return any;
            }

            private void Give()
            {
                var m = _l.Messages[_next];
                _bodyMessage = _next;
                _bodyOffset = 0;
                if (_client.BeginMessage(m.Sender, m.Recipients, m.Size >= 0 ? m.Size : m.Body.Length, _nowMs)) _next++;
                else
                {
                    _run.Events.Add("BeginMessage refused");
                    _next = _l.Messages.Count;
                }
            }

            // Offers the body in pieces the feed chooses, whatever the session can take: what it
            // does not take is offered again, as the delivery job does with a spool record.
            private void OfferBody()
            {
                byte[] body = _l.Messages[_bodyMessage].Body;
                while (_client.WantsBody)
                {
                    if (_bodyOffset == body.Length)
                    {
                        Assert.True(_client.EndBody(_nowMs));
                        return;
                    }
                    int n = _feed.Next(body.Length - _bodyOffset);
                    int taken = _client.WriteBody(body, _bodyOffset, n, _nowMs);
                    Assert.InRange(taken, 0, n);
                    _bodyOffset += taken;
                    _run.BodyChunks++;
                    if (taken == 0) return;
                }
            }

            private void Record(StringBuilder line, string tag, byte b)
            {
                line.Append((char)b);
                if (b != '\n') return;
                string text = line.ToString();
                line.Clear();
                _run.Lines.Add(tag + (text.EndsWith("\r\n") ? text[..^2] : text.TrimEnd('\n') + "  (bare LF)"));
            }
        }

        /// <summary>The client's bytes never hold a bare CR, a bare LF or a NUL.</summary>
        public static void AssertCleanWire(byte[] wire, string how)
        {
            for (int i = 0; i < wire.Length; i++)
            {
                Assert.True(wire[i] != 0, how + ": NUL at " + i);
                if (wire[i] == '\r') Assert.True(i + 1 < wire.Length && wire[i + 1] == '\n', how + ": bare CR at " + i);
                if (wire[i] == '\n') Assert.True(i > 0 && wire[i - 1] == '\r', how + ": bare LF at " + i);
            }
        }
    }

    /// <summary>What one run over the link produced.</summary>
    public sealed class LinkRun
    {
        public string Feed;
        public SmtpClientSession Client;
        public IUpstream Upstream;
        /// <summary>The dialog in order: "C: ...", "S: ...", "W: ms", "-- TLS ...".</summary>
        public readonly List<string> Lines = new List<string>();
        public readonly List<string> Events = new List<string>();
        public readonly List<MessageOutcome> Outcomes = new List<MessageOutcome>();
        public readonly List<long> OutcomeTimesMs = new List<long>();
        public readonly List<byte> Wire = new List<byte>();
        public int End;
        public Reply EndReply;
        public int EndStage;
        public string FinalState;
        public long EndMs;
        public int GivenMessages;
        public int BodyChunks;

        public ScriptedUpstream Sink => (ScriptedUpstream)Upstream;
        public OurServer Server => (OurServer)Upstream;

        /// <summary>The single outcome; fails unless exactly one message finished.</summary>
        public MessageOutcome Outcome => Assert.Single(Outcomes);

        public string EndName => ClientEnd.Name(End);

        /// <summary>Lines of one outcome: "&lt;a@b&gt; delivered at AwaitingEndOfData: 250 2.0.0 Ok".</summary>
        public static List<string> Describe(MessageOutcome outcome) => outcome.Recipients.Select(r => r.ToString()).ToList();

        /// <summary>Requires the dialog to be exactly these lines (a trailing '*' matches the rest of a line).</summary>
        public void AssertDialog(string expected)
        {
            var want = expected.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).Select(l => l.Trim())
                           .Select(l => l.Length == 2 && l[1] == ':' ? l + " " : l).ToList();
            bool ok = want.Count == Lines.Count;
            for (int i = 0; ok && i < want.Count; i++) ok = Transcript.LineMatches(want[i], Lines[i]);
            if (ok) return;
            var text = new StringBuilder("The dialog differs (expected | actual), feed " + Feed + ":\n");
            for (int i = 0; i < Math.Max(want.Count, Lines.Count); i++)
            {
                string e = i < want.Count ? want[i] : "(nothing)";
                string a = i < Lines.Count ? Lines[i] : "(nothing)";
                text.Append(i < want.Count && i < Lines.Count && Transcript.LineMatches(e, a) ? "   " : "!! ").Append(e).Append("  |  ").Append(a).Append('\n');
            }
            Assert.Fail(text.ToString());
        }

        public string DifferenceFrom(LinkRun other)
        {
            if (!Lines.SequenceEqual(other.Lines)) return "dialog\n" + string.Join("\n", Lines) + "\n---\n" + string.Join("\n", other.Lines);
            if (!Events.SequenceEqual(other.Events)) return "events " + string.Join(",", Events) + " vs " + string.Join(",", other.Events);
            if (Outcomes.Count != other.Outcomes.Count) return "outcomes " + Outcomes.Count + " vs " + other.Outcomes.Count;
            for (int i = 0; i < Outcomes.Count; i++)
            {
                var a = Describe(Outcomes[i]);
                var b = Describe(other.Outcomes[i]);
                if (!a.SequenceEqual(b)) return "outcome " + i + "\n" + string.Join("\n", a) + "\n---\n" + string.Join("\n", b);
                if (Outcomes[i].TryNextAddress != other.Outcomes[i].TryNextAddress) return "TryNextAddress of outcome " + i;
                if (Outcomes[i].MayBeDeliveredTwice != other.Outcomes[i].MayBeDeliveredTwice) return "MayBeDeliveredTwice of outcome " + i;
            }
            if (End != other.End) return "end " + EndName + " vs " + other.EndName;
            if (EndMs != other.EndMs) return "end time " + EndMs + " vs " + other.EndMs;
            if (!Wire.SequenceEqual(other.Wire)) return "client bytes";
            return null;
        }
    }
}
