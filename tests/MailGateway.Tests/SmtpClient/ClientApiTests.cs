// The client session's driving API as the loop sees it (HOUSE-STYLE: errors in three tiers): the
// server's faults become outcomes and states, never exceptions; misuse by the loop throws; every
// wait has the deadline RFC 5321 §4.5.3.2 gives it (or the configured one), to the millisecond;
// and a seeded fuzzer shows that no server input makes the session throw or leave a recipient
// undecided.
using System.Text;
using MailGateway.Core.Smtp;
using MailGateway.Tests.Smtp;
using MailGateway.Core.Runtime;

namespace MailGateway.Tests.Client
{
    public class ClientApiTests
    {
        private sealed class Driver
        {
            public readonly SmtpClientSession C;
            public long Now = 1_000_000;
            public readonly List<string> Events = new List<string>();

            public Driver(ClientSettings settings = null)
            {
                C = new SmtpClientSession(settings ?? new ClientSettings { Hostname = "client.test" }, Now);
            }

            public void Server(string text)
            {
                Now += 7;
                var bytes = Encoding.Latin1.GetBytes(text);
                Assert.Equal(bytes.Length, C.Receive(bytes, 0, bytes.Length, Now));
            }

            public string Sent()
            {
                var buffer = new byte[65536];
                return Encoding.Latin1.GetString(buffer, 0, Transmitter.Copy(C, buffer, 0, buffer.Length));
            }

            public void Poll()
            {
                for (int e = C.PollEvent(); e != ClientEvent.None; e = C.PollEvent()) Events.Add(ClientEvent.Name(e));
            }

            public void Begin(params string[] recipients)
            {
                Assert.True(C.BeginMessage("cam@lan.test", recipients.Length == 0 ? new[] { "a@x.test" } : recipients, 10, Now));
            }
        }

        private static ClientSettings Settings() => new ClientSettings
        {
            Hostname = "client.test", AuthUser = "tim", AuthPassword = "tanstaaftanstaaf",
            DiscardEhloKeywords = new[] { "PIPELINING" },
        };

        /// <summary>Walks a session to the given state through every state before it (STARTTLS and AUTH included).</summary>
        private static Driver DriveTo(string target, ClientSettings settings)
        {
            var d = new Driver(settings);
            d.Begin();
            bool At() => ClientState.Name(d.C.State) == target;
            var steps = new List<Action>
            {
                () => { d.Now += 7; d.C.Connected(d.Now); },
                () => d.Server("220 mx.test ESMTP\r\n"),
                () => d.Server("250-mx.test\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n"),
                () => d.Server("220 2.0.0 Ready to start TLS\r\n"),
                () => { d.Now += 7; d.C.CompleteTls(true, d.Now); },
                () => d.Server("250-mx.test\r\n250 AUTH PLAIN\r\n"),
                () => d.Server("235 2.7.0 Authentication successful\r\n"),
                () => d.Server("250 2.1.0 Ok\r\n"),
                () => d.Server("250 2.1.5 Ok\r\n"),
                () => d.Server("354 go\r\n"),
                () => { d.Poll(); Assert.Contains("NeedBody", d.Events); d.Now += 7; Assert.Equal(10, d.C.WriteBody(new byte[10], 0, 10, d.Now)); Assert.True(d.C.EndBody(d.Now)); },
                () => { d.Server("250 2.0.0 Ok\r\n"); d.Now += 7; d.C.Quit(d.Now); },
            };
            foreach (var step in steps)
            {
                if (At()) return d;
                step();
            }
            Assert.True(At(), "never reached " + target + ", stopped in " + ClientState.Name(d.C.State));
            return d;
        }

        [Theory]
        [InlineData("AwaitingConnect", 30_000)]
        [InlineData("AwaitingGreeting", 300_000)]
        [InlineData("AwaitingEhlo", 300_000)]
        [InlineData("AwaitingStartTls", 300_000)]
        [InlineData("AwaitingTls", 300_000)]
        [InlineData("AwaitingAuth", 300_000)]
        [InlineData("AwaitingMail", 300_000)]
        [InlineData("AwaitingRcpt", 300_000)]
        [InlineData("AwaitingData", 120_000)]
        [InlineData("SendingBody", 180_000)]
        [InlineData("AwaitingEndOfData", 600_000)]
        [InlineData("AwaitingQuit", 30_000)]
        public void Deadline_InEachState_IsTheRfcTimeout_ToTheMillisecond(string state, long timeoutMs)
        {
            var d = DriveTo(state, Settings());
            long deadline = d.C.PollDeadline();
            Assert.Equal(d.Now + timeoutMs, deadline);
            d.C.HandleDeadline(deadline - 1);
            Assert.Equal(state, ClientState.Name(d.C.State));
            d.C.HandleDeadline(deadline);
            Assert.Equal(ClientState.Closed, d.C.State);
            Assert.Equal(SmtpClientSession.NoDeadline, d.C.PollDeadline());
        }

        [Theory]
        [InlineData("AwaitingConnect", 1010)]
        [InlineData("AwaitingGreeting", 1001)]
        [InlineData("AwaitingEhlo", 1002)]
        [InlineData("AwaitingStartTls", 1008)]
        [InlineData("AwaitingTls", 1008)]
        [InlineData("AwaitingAuth", 1008)]
        [InlineData("AwaitingMail", 1003)]
        [InlineData("AwaitingRcpt", 1004)]
        [InlineData("AwaitingData", 1005)]
        [InlineData("SendingBody", 1006)]
        [InlineData("AwaitingEndOfData", 1007)]
        [InlineData("AwaitingQuit", 1009)]
        public void Deadline_InEachState_FollowsTheConfiguredTimeout(string state, long timeoutMs)
        {
            var settings = Settings();
            settings.GreetingTimeoutMs = 1001;
            settings.EhloTimeoutMs = 1002;
            settings.MailTimeoutMs = 1003;
            settings.RcptTimeoutMs = 1004;
            settings.DataInitTimeoutMs = 1005;
            settings.DataBlockTimeoutMs = 1006;
            settings.DataEndTimeoutMs = 1007;
            settings.CommandTimeoutMs = 1008;
            settings.QuitTimeoutMs = 1009;
            settings.ConnectTimeoutMs = 1010;
            var d = DriveTo(state, settings);
            Assert.Equal(d.Now + timeoutMs, d.C.PollDeadline());
        }

        [Theory]
        [InlineData("AwaitingConnect", "451 4.4.1 connect timed out", "TryNextAddress")]
        [InlineData("AwaitingGreeting", "451 4.4.2 conversation timed out while receiving the initial server greeting", "TryNextAddress")]
        [InlineData("AwaitingTls", "451 4.4.2 conversation timed out while performing the TLS handshake", "TryNextAddress")]
        [InlineData("AwaitingAuth", "451 4.4.2 conversation timed out while authenticating", "TryNextAddress")]
        [InlineData("AwaitingRcpt", "451 4.4.2 conversation timed out while sending RCPT TO", "TryNextAddress")]
        [InlineData("AwaitingData", "451 4.4.2 conversation timed out while sending DATA", "Broken")]
        [InlineData("SendingBody", "451 4.4.2 conversation timed out while sending the message body", "Broken")]
        [InlineData("AwaitingEndOfData", "451 4.4.2 conversation timed out after end of data sent -- message may be delivered twice", "Broken")]
        public void Timeout_DecidesTheMessageTransient_WithWhereItHappened(string state, string reply, string end)
        {
            var d = DriveTo(state, Settings());
            d.C.HandleDeadline(d.C.PollDeadline());
            d.Poll();
            Assert.Equal(new[] { "MessageDone", "Closed" }, d.Events.TakeLast(2));
            var r = Assert.Single(d.C.Outcome.Recipients);
            Assert.Equal(DeliveryStatus.Transient, r.Status);
            Assert.Equal(reply, r.Reply.ToString());
            Assert.False(r.FromServer);
            Assert.Equal(end, ClientEnd.Name(d.C.End));
            Assert.Equal(state == "AwaitingEndOfData", d.C.Outcome.MayBeDeliveredTwice);
            Assert.Equal("", d.Sent());   // no QUIT after a timeout, and unsent commands are dropped
        }

        [Fact]
        public void Timeout_InAwaitingQuit_OnlyCloses_KeepingTheQuitEnd()
        {
            var d = DriveTo("AwaitingQuit", Settings());
            d.C.HandleDeadline(d.C.PollDeadline());
            Assert.True(d.C.IsClosed);
            Assert.Equal(ClientEnd.Quit, d.C.End);
            Assert.Equal(DeliveryStatus.Delivered, d.C.Outcome.Recipients[0].Status);
        }

        [Fact]
        public void Defaults_AreRfc5321sTimeouts_AndOpportunisticTlsWithoutAuth()
        {
            var s = new ClientSettings();
            Assert.Equal(new long[] { 300_000, 300_000, 300_000, 120_000, 180_000, 600_000 },
                         new[] { s.GreetingTimeoutMs, s.MailTimeoutMs, s.RcptTimeoutMs, s.DataInitTimeoutMs, s.DataBlockTimeoutMs, s.DataEndTimeoutMs });
            Assert.Equal(ClientTls.Opportunistic, s.Tls);
            Assert.False(s.VerifyCertificate);
            Assert.Null(s.AuthUser);
            var smarthost = ClientSettings.ForSmarthost("gw.test", "u", "p");
            Assert.Equal(ClientTls.Required, smarthost.Tls);
            Assert.True(smarthost.VerifyCertificate);
        }

        [Fact]
        public void IdleBetweenMessages_HasNoDeadline()
        {
            var d = new Driver(new ClientSettings { Hostname = "client.test" });
            d.C.Connected(d.Now);
            d.Server("220 mx.test\r\n");
            d.Server("250 mx.test\r\n");
            Assert.Equal(ClientState.AwaitingMessage, d.C.State);
            Assert.Equal(SmtpClientSession.NoDeadline, d.C.PollDeadline());
        }

        // ---- Connecting ---------------------------------------------------------------------------

        [Fact]
        public void ConnectFailed_EndsTryNextAddress_WithTheMessageTransient()
        {
            var d = new Driver();
            d.Begin("a@x.test", "b@x.test");
            d.C.ConnectFailed("Connection refused");
            d.Poll();
            Assert.Equal(new[] { "MessageDone", "Closed" }, d.Events);
            Assert.Equal(ClientEnd.TryNextAddress, d.C.End);
            Assert.True(d.C.Outcome.TryNextAddress);
            Assert.All(d.C.Outcome.Recipients, r =>
            {
                Assert.Equal(DeliveryStatus.Transient, r.Status);
                Assert.Equal("451 4.4.1 connect failed: Connection refused", r.Reply.ToString());
                Assert.Equal(ClientState.AwaitingConnect, r.Stage);
            });
            Assert.Equal("", d.Sent());
        }

        [Fact]
        public void ConnectionLost_AfterARecipientWasAccepted_IsBroken_NotTryNextAddress()
        {
            var d = new Driver(new ClientSettings { Hostname = "client.test" });
            d.Begin("a@x.test", "b@x.test");
            d.C.Connected(d.Now);
            d.Server("220 mx.test\r\n");
            d.Server("250-mx.test\r\n250 PIPELINING\r\n");
            d.Server("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n");
            d.C.ReceiveEof();
            d.Poll();
            Assert.Equal(ClientEnd.Broken, d.C.End);
            Assert.False(d.C.Outcome.TryNextAddress);
            Assert.Equal("451 4.4.2 lost connection while sending RCPT TO", d.C.Outcome.Recipients[1].Reply.ToString());
            Assert.True(d.C.Outcome.Recipients[0].Accepted);
            Assert.Equal(DeliveryStatus.Transient, d.C.Outcome.Recipients[0].Status);
        }

        // ---- Between messages ----------------------------------------------------------------------

        private static Driver AfterOneMessage()
        {
            var d = new Driver(new ClientSettings { Hostname = "client.test" });
            d.Begin();
            d.C.Connected(d.Now);
            d.Server("220 mx.test\r\n");
            d.Server("250 mx.test\r\n");
            d.Server("250 2.1.0 Ok\r\n");
            d.Server("250 2.1.5 Ok\r\n");
            d.Server("354 go\r\n");
            Assert.Equal(ClientEvent.NeedBody, d.C.PollEvent());
            Assert.Equal(1, d.C.WriteBody(new byte[] { (byte)'x' }, 0, 1, d.Now));
            Assert.True(d.C.EndBody(d.Now));
            d.Server("250 2.0.0 Ok\r\n");
            Assert.Equal(ClientState.AwaitingMessage, d.C.State);
            d.Sent();
            d.Poll();
            d.Events.Clear();
            return d;
        }

        [Fact]
        public void FourTwentyOne_WhileIdleBetweenMessages_ClosesAsBroken()
        {
            var d = AfterOneMessage();
            d.Server("421 4.4.2 mx.test Error: timeout exceeded\r\n");
            d.Poll();
            Assert.Equal(new[] { "Closed" }, d.Events);
            Assert.Equal(ClientEnd.Broken, d.C.End);
            Assert.False(d.C.CanBeginMessage);
            Assert.False(d.C.BeginMessage("cam@lan.test", new[] { "a@x.test" }, 1, d.Now));
        }

        [Fact]
        public void UnexpectedReply_WhileIdle_IsAProtocolError()
        {
            var d = AfterOneMessage();
            d.Server("250 surprise\r\n");
            Assert.True(d.C.IsClosed);
            Assert.Equal("451 4.5.0 protocol error: unexpected reply \"250 surprise\" while waiting between messages", d.C.EndReply.ToString());
        }

        [Fact]
        public void Quit_AfterAMessage_SendsQuit_AndEofThenCloses()
        {
            var d = AfterOneMessage();
            d.C.Quit(d.Now);
            Assert.Equal("QUIT\r\n", d.Sent());
            Assert.Equal(ClientEnd.Quit, d.C.End);
            d.C.ReceiveEof();
            Assert.True(d.C.IsClosed);
            Assert.Equal(ClientEnd.Quit, d.C.End);
            d.C.Quit(d.Now);   // once closing, Quit does nothing
        }

        [Fact]
        public void Quit_BeforeTheGreetingPhaseEnds_IsSentOnceItDoes()
        {
            var d = new Driver(new ClientSettings { Hostname = "client.test" });
            d.C.Connected(d.Now);
            d.C.Quit(d.Now);
            Assert.False(d.C.CanBeginMessage);
            d.Server("220 mx.test\r\n");
            Assert.Equal("EHLO client.test\r\n", d.Sent());
            d.Server("250 mx.test\r\n");
            Assert.Equal("QUIT\r\n", d.Sent());
            d.Server("221 2.0.0 Bye\r\n");
            d.Poll();
            Assert.Equal(new[] { "Closed" }, d.Events);
            Assert.Equal(ClientEnd.Quit, d.C.End);
        }

        // ---- The body ----------------------------------------------------------------------------

        private static Driver AtBody()
        {
            var d = new Driver(new ClientSettings { Hostname = "client.test" });
            d.Begin();
            d.C.Connected(d.Now);
            d.Server("220 mx.test\r\n250 mx.test\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n");
            d.Sent();
            d.Server("354 go\r\n");
            return d;
        }

        [Fact]
        public void WriteBody_TakesOnlyWhatFits_SoTheOutputStaysBounded_AndNeedBodyComesBackWithRoom()
        {
            var d = AtBody();
            // The worst case for the encoder: every byte becomes two (LF → CRLF, a dot at a line start → "..").
            var chunk = new byte[3 * SmtpClientSession.BodyOutputLimit];
            for (int i = 0; i < chunk.Length; i++) chunk[i] = (byte)(i % 2 == 0 ? '\n' : '.');
            Assert.Equal(ClientEvent.NeedBody, d.C.PollEvent());
            int offset = d.C.WriteBody(chunk, 0, chunk.Length, d.Now);
            Assert.InRange(offset, 1, chunk.Length - 1);
            Assert.False(d.C.WantsBody);
            Assert.Equal(0, d.C.WriteBody(chunk, offset, chunk.Length - offset, d.Now));
            Assert.Equal(ClientEvent.None, d.C.PollEvent());
            long sent = 0;
            var buffer = new byte[1000];
            for (int round = 0; round < 200; round++)
            {
                if (d.C.PollEvent() == ClientEvent.NeedBody)
                {
                    offset += d.C.WriteBody(chunk, offset, chunk.Length - offset, d.Now);
                    if (offset == chunk.Length) offset = 0;
                }
                long waiting = 2L * d.C.BodyBytes - sent;
                Assert.InRange(waiting, 0, SmtpClientSession.BodyOutputLimit + 1);
                sent += Transmitter.Copy(d.C, buffer, 0, buffer.Length);
            }
            Assert.True(sent > 10 * SmtpClientSession.BodyOutputLimit);
            Assert.Equal((d.C.BodyBytes + 1) / 2, d.C.BodyRepairs); // every LF, and LFs sit at even offsets
        }

        [Fact]
        public void DataBlockTimeout_RunsFromTheLastBlockTaken()
        {
            var d = AtBody();
            Assert.Equal(ClientEvent.NeedBody, d.C.PollEvent());
            d.Now += 60_000;
            var chunk = Encoding.Latin1.GetBytes(new string('x', 2 * SmtpClientSession.BodyOutputLimit));
            int taken = d.C.WriteBody(chunk, 0, chunk.Length, d.Now);
            Assert.Equal(SmtpClientSession.BodyOutputLimit, taken);
            // The link is stalled: nothing more is taken, no more body is asked for.
            Assert.Equal(0, d.C.WriteBody(chunk, taken, chunk.Length - taken, d.Now + 1000));
            Assert.Equal(ClientEvent.None, d.C.PollEvent());
            Assert.Equal(d.Now + 180_000, d.C.PollDeadline());
            d.C.HandleDeadline(d.Now + 180_000);
            Assert.Equal(ClientEnd.Broken, d.C.End);
            Assert.False(d.C.Outcome.MayBeDeliveredTwice);
        }

        [Fact]
        public void Body_AfterTheSessionFailed_IsIgnored()
        {
            var d = AtBody();
            Assert.Equal(ClientEvent.NeedBody, d.C.PollEvent());
            d.C.ReceiveEof();
            Assert.Equal(0, d.C.WriteBody(new byte[5], 0, 5, d.Now));
            Assert.False(d.C.EndBody(d.Now));
            Assert.True(d.C.IsClosed);
            Assert.Equal("", d.Sent());
        }

        [Fact]
        public void Body_BeforeThe354_IsNotTaken_AndDoesNotThrow()
        {
            var d = new Driver(new ClientSettings { Hostname = "client.test" });
            Assert.Equal(0, d.C.WriteBody(new byte[3], 0, 3, d.Now));
            Assert.False(d.C.EndBody(d.Now));
            d.Begin();
            d.C.Connected(d.Now);
            d.Server("220 mx.test\r\n250 mx.test\r\n250 2.1.0 Ok\r\n");
            Assert.Equal(0, d.C.WriteBody(new byte[3], 0, 3, d.Now));
            Assert.False(d.C.EndBody(d.Now));
            Assert.Equal(ClientState.AwaitingRcpt, d.C.State);
        }

        [Fact]
        public void ReplyDuringTheBody_EndsTheSession_WithThatReply()
        {
            var d = AtBody();
            d.Server("552 5.3.4 Error: message file too big\r\n");
            var r = d.C.Outcome.Recipients[0];
            Assert.Equal(DeliveryStatus.Transient, r.Status);
            Assert.Equal("552 5.3.4 Error: message file too big", r.Reply.ToString());
            Assert.Equal(ClientState.SendingBody, r.Stage);
            Assert.False(d.C.Outcome.MayBeDeliveredTwice);
        }

        [Theory]
        [InlineData("250 " + "x", "unexpected reply \"250 x\"")]
        [InlineData("220-mx.test\r\n250 mixed", "reply code changed within a multi-line reply")]
        [InlineData("220 mx.test\n", "bare LF in reply")]
        [InlineData("22O mx.test", "malformed reply code")]
        [InlineData("SSH-2.0-OpenSSH_9.6", "malformed reply code")]
        public void MalformedGreeting_IsAProtocolError_WithoutQuit_TryNextAddress(string greeting, string reason)
        {
            var d = new Driver();
            d.Begin();
            d.C.Connected(d.Now);
            d.Server(greeting + (greeting.EndsWith("\n") ? "" : "\r\n"));
            Assert.True(d.C.IsClosed);
            Assert.Equal(ClientEnd.TryNextAddress, d.C.End);
            Assert.Equal("451 4.5.0 protocol error: " + reason + " while receiving the initial server greeting", d.C.EndReply.ToString());
            Assert.Equal("", d.Sent());
        }

        [Fact]
        public void ReplyLineLongerThan512Octets_IsAProtocolError()
        {
            var d = new Driver();
            d.Begin();
            d.C.Connected(d.Now);
            d.Server("220 " + new string('x', 600) + "\r\n");
            Assert.Equal("451 4.5.0 protocol error: reply line longer than 512 bytes while receiving the initial server greeting",
                         d.C.Outcome.Recipients[0].Reply.ToString());
        }

        // ---- Misuse throws ---------------------------------------------------------------------------

        [Fact]
        public void Misuse_Throws()
        {
            var d = new Driver();
            Assert.Throws<InvalidOperationException>(() => d.C.Receive(new byte[1], 0, 1, d.Now));
            Assert.Throws<InvalidOperationException>(() => d.C.CompleteTls(true, d.Now));
            Assert.Throws<ArgumentException>(() => d.C.BeginMessage("a@x.test", new string[0], 1, d.Now));
            Assert.Throws<ArgumentException>(() => d.C.BeginMessage(null, new[] { "a@x.test" }, 1, d.Now));
            d.Begin();
            Assert.Throws<InvalidOperationException>(() => d.C.BeginMessage("a@x.test", new[] { "b@x.test" }, 1, d.Now));
            Assert.Throws<InvalidOperationException>(() => d.C.Quit(d.Now));
            d.C.Connected(d.Now);
            Assert.Throws<InvalidOperationException>(() => d.C.Connected(d.Now));
            Assert.Throws<InvalidOperationException>(() => d.C.ConnectFailed("x"));
        }

        [Theory]
        [InlineData("")]
        [InlineData("two words")]
        [InlineData("crlf\r\nMAIL")]
        [InlineData(null)]
        public void Settings_HostnameThatIsNotOneWord_Throws(string hostname)
        {
            Assert.Throws<ArgumentException>(() => new SmtpClientSession(new ClientSettings { Hostname = hostname }, 0));
        }

        [Fact]
        public void Settings_AuthWithANulOrNoPassword_Throws()
        {
            Assert.Throws<ArgumentException>(() => new SmtpClientSession(new ClientSettings { AuthUser = "a\0b", AuthPassword = "p" }, 0));
            Assert.Throws<ArgumentException>(() => new SmtpClientSession(new ClientSettings { AuthUser = "a" }, 0));
        }

        // ---- Never throws on server input ---------------------------------------------------------------

        private static readonly string[] Pieces =
        {
            "220 mx.test ESMTP\r\n", "250-mx.test\r\n", "250-PIPELINING\r\n", "250-STARTTLS\r\n", "250-SIZE 100\r\n",
            "250 AUTH PLAIN LOGIN\r\n", "250 2.1.0 Ok\r\n", "250 Ok\r\n", "354 go\r\n", "334 \r\n", "235 2.7.0 Ok\r\n",
            "421 4.4.2 bye\r\n", "450 4.0.0 later\r\n", "550 5.0.0 no\r\n", "220 2.0.0 Ready\r\n", "221 Bye\r\n",
            "\r\n", "\n", "\r", "\0", "25", "0 x", "-", " ", "2.1.5 ", "999 x\r\n", "abc\r\n",
        };

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(20261129)]
        public void Fuzz_AnyServerInput_NeverThrows_AndEveryFinishedMessageIsDecided(int seed)
        {
            var random = new Random(seed);
            for (int round = 0; round < 300; round++)
            {
                var settings = new ClientSettings { Hostname = "client.test", Tls = random.Next(3) };
                if (random.Next(2) == 0)
                {
                    settings.AuthUser = "u";
                    settings.AuthPassword = "p";
                    settings.AuthWithoutTls = random.Next(2) == 0;
                }
                long now = 1_000;
                var c = new SmtpClientSession(settings, now);
                var wire = new List<byte>();
                int messages = 0;
                c.BeginMessage("a@x.test", new[] { "b@x.test", "c@x.test" }, random.Next(200), now);
                c.Connected(now);
                string how = "seed " + seed + " round " + round;
                for (int step = 0; step < 60 && !c.IsClosed; step++)
                {
                    now += random.Next(1000);
                    int action = random.Next(20);
                    if (action == 0) c.ReceiveEof();
                    else if (action == 1) c.HandleDeadline(random.Next(2) == 0 ? now : c.PollDeadline());
                    else
                    {
                        var bytes = Encoding.Latin1.GetBytes(Pieces[random.Next(Pieces.Length)]);
                        Assert.Equal(bytes.Length, c.Receive(bytes, 0, bytes.Length, now));
                    }
                    for (int e = c.PollEvent(); e != ClientEvent.None; e = c.PollEvent())
                    {
                        switch (e)
                        {
                            case ClientEvent.NeedBody:
                                var body = new byte[random.Next(0, 50)];
                                random.NextBytes(body);
                                c.WriteBody(body, 0, body.Length, now);
                                if (random.Next(3) == 0) c.EndBody(now);
                                break;
                            case ClientEvent.StartTls:
                                c.CompleteTls(random.Next(4) != 0, now);
                                break;
                            case ClientEvent.MessageDone:
                                Assert.True(c.Outcome.Recipients.All(r => r.Status != DeliveryStatus.Pending && r.Reply != null), how);
                                if (++messages < 3 && c.CanBeginMessage) c.BeginMessage("", new[] { "d@x.test" }, 5, now);
                                else if (c.CanBeginMessage) c.Quit(now);
                                break;
                        }
                    }
                    var buffer = new byte[8192];
                    int n;
                    while ((n = Transmitter.Copy(c, buffer, 0, buffer.Length)) > 0) wire.AddRange(buffer.AsSpan(0, n).ToArray());
                }
                c.ReceiveEof();
                Assert.True(c.IsClosed, how);
                Assert.Equal(SmtpClientSession.NoDeadline, c.PollDeadline());
                Assert.NotEqual(ClientEnd.Running, c.End);
                ClientLink.AssertCleanWire(wire.ToArray(), how);
            }
        }
    }
}
