// The message itself (RFC 5321 §4.1.1.4 DATA, §4.5.2 transparency, §4.4 trace fields; RFC 5322
// §3.6 Message-ID and Date): what reaches the spool, byte for byte, and when.
using MailGateway.Core.Smtp;
using Xunit;

namespace MailGateway.Tests.Smtp
{
    public class SessionDataTests
    {
        private const string MessageId = "Message-ID: <4B7C1D0001.1800000000000@mx.local.test>\r\n";
        private const string Date = "Date: Fri, 15 Jan 2027 08:00:00 +0000\r\n";

        private static SessionRun Run(string transcript) => new SessionHarness().Run(transcript);

        /// <summary>Sends the lines of text as the message and expects it queued.</summary>
        private static SessionRun Send(string text, SessionHarness harness = null)
        {
            return (harness ?? new SessionHarness()).Run(Dialog.UpToData + Dialog.ClientLines(text) + "C: .\n" + Dialog.Queued);
        }

        // ---- Accepted messages -----------------------------------------------------------------

        [Fact]
        public void Data_Accepted_Replies354WithoutEnhancedCode_Then250QueuedAs()
        {
            var run = Run(Dialog.UpToData + """
                C: Subject: hi
                C:
                C: hello
                C: .
                S: 250 2.0.0 Ok: queued as 4B7C1D0001
                """);
            Assert.Equal(new[] { "DataStarting", "DataEnded" }, run.Events);
            Assert.Single(run.Stored);
        }

        [Fact]
        public void Data_MessageWithItsOwnFields_IsStoredByteExact_AfterOurReceivedField()
        {
            string message = "From: Sender <sender@client.test>\r\nTo: user@local.test\r\nSubject: exact\r\n" +
                             "Date: Thu, 14 Jan 2027 10:00:00 +0100\r\nMessage-ID: <abc@client.test>\r\n" +
                             "\r\nline one\r\n\r\n  indented line\r\n\ttab\r\nlast line without a newline?\r\n";
            var run = Send(message.TrimEnd('\n').TrimEnd('\r').Replace("\r\n", "\n"));
            Assert.Equal(message, run.MessageAfterReceived);
        }

        [Fact]
        public void Data_EightBitAndControlBytes_AreStoredByteExact()
        {
            // 8BITMIME: every byte but NUL, CR and LF passes through untouched.
            var body = Enumerable.Range(1, 255).Where(b => b != 10 && b != 13).Select(b => (byte)b).ToArray();
            string line = Transcript.Latin1(body);
            var run = Run(Dialog.UpToData + "C: Subject: bytes\nC:\nC! " + Escape(body) + "\\r\\n\nC: .\n" + Dialog.Queued);
            Assert.Equal("Subject: bytes\r\n" + MessageId + Date + "\r\n" + line + "\r\n", run.MessageAfterReceived);
        }

        private static string Escape(byte[] bytes) => string.Concat(bytes.Select(b => "\\x" + b.ToString("X2")));

        [Theory]
        [InlineData("..x", ".x")]
        [InlineData("..", ".")]
        [InlineData("...", "..")]
        [InlineData(".. leading", ". leading")]
        [InlineData("..\t", ".\t")]
        [InlineData("x.", "x.")]
        [InlineData("x..y", "x..y")]
        [InlineData(" .x", " .x")]
        [InlineData(".x", "x")] // RFC 5321 §4.5.2: the first dot of a line is always removed
        public void Data_DotStuffedLine_IsUnstuffed(string wireLine, string storedLine)
        {
            var run = Send("Subject: dots\n\nbefore\n" + wireLine + "\nafter");
            Assert.Equal("Subject: dots\r\n" + MessageId + Date + "\r\nbefore\r\n" + storedLine + "\r\nafter\r\n",
                         run.MessageAfterReceived);
        }

        [Fact]
        public void Data_DotStuffedFirstLine_IsUnstuffed()
        {
            var run = Send("..first");
            Assert.Equal(MessageId + Date + "\r\n.first\r\n", run.MessageAfterReceived);
        }

        [Fact]
        public void Data_EndsOnlyAtCrLfDotCrLf_NotAtADotInsideALine()
        {
            var run = Run(Dialog.UpToData + """
                C! Subject: x\r\n\r\nnot the end .\r\nnor this: \r\n. \r\n.x\r\n
                C: .
                S: 250 2.0.0 Ok: queued as 4B7C1D0001
                """);
            Assert.EndsWith("\r\n\r\nnot the end .\r\nnor this: \r\n \r\nx\r\n", run.Message);
        }

        [Fact]
        public void Data_EmptyMessage_IsStoredWithTheAddedFieldsOnly()
        {
            var run = Run(Dialog.UpToData + "C: .\n" + Dialog.Queued);
            Assert.Equal(MessageId + Date, run.MessageAfterReceived);
        }

        [Fact]
        public void Data_ReceivedField_IsFirst_NamingHeloClientQueueIdRecipientAndDate()
        {
            var run = Send("Subject: trace\n\nhello");
            Assert.Equal("Received: from client.test (unknown [198.51.100.7])\r\n" +
                         "\tby mx.local.test (MailGateway) with ESMTP id 4B7C1D0001\r\n" +
                         "\tfor <user@local.test>; Fri, 15 Jan 2027 08:00:00 +0000\r\n" +
                         "Subject: trace\r\n" + MessageId + Date + "\r\nhello\r\n", run.Message);
        }

        [Fact]
        public void Data_ReceivedField_AfterHelo_SaysSmtp_AndWithTwoRecipientsNamesNone()
        {
            var run = Run(Dialog.Greeting + Dialog.Helo + """
                C: MAIL FROM:<sender@client.test>
                C: RCPT TO:<a@local.test>
                C: RCPT TO:<b@relay.test>
                C: DATA
                S: 250 Ok
                S: 250 Ok
                S: 250 Ok
                S: 354 End data with <CR><LF>.<CR><LF>
                C: .
                S: 250 Ok: queued as 4B7C1D0001
                """);
            Assert.StartsWith("Received: from client.test (unknown [198.51.100.7])\r\n" +
                              "\tby mx.local.test (MailGateway) with SMTP id 4B7C1D0001; Fri, 15 Jan 2027 08:00:00 +0000\r\n" +
                              MessageId, run.Message);
        }

        [Fact]
        public void Data_ReceivedField_ForAnIPv6Client_UsesTheIPv6Tag()
        {
            var harness = new SessionHarness { ClientAddress = "2001:db8:1::25" };
            var run = Send("x", harness);
            Assert.StartsWith("Received: from client.test (unknown [IPv6:2001:db8:1::25])\r\n", run.Message);
        }

        // ---- Message-ID and Date ---------------------------------------------------------------

        [Fact]
        public void Data_WithoutMessageIdAndDate_GetsBoth_AtTheEndOfTheHeader()
        {
            var run = Send("From: a@client.test\nSubject: hi\n\nbody\n");
            Assert.Equal("From: a@client.test\r\nSubject: hi\r\n" + MessageId + Date + "\r\nbody\r\n\r\n", run.MessageAfterReceived);
        }

        [Theory]
        [InlineData("Message-ID: <x@client.test>", false, true)]
        [InlineData("message-id: <x@client.test>", false, true)]
        [InlineData("MESSAGE-ID:<x@client.test>", false, true)]
        [InlineData("Message-Id: <x@client.test>", false, true)]
        [InlineData("Date: Thu, 14 Jan 2027 10:00:00 +0100", true, false)]
        [InlineData("date: Thu, 14 Jan 2027 10:00:00 +0100", true, false)]
        [InlineData("DATE:Thu, 14 Jan 2027 10:00:00 +0100", true, false)]
        [InlineData("Resent-Date: Thu, 14 Jan 2027 10:00:00 +0100", true, true)]
        [InlineData("X-Message-ID: <x@client.test>", true, true)]
        [InlineData("Date-Received: today", true, true)]
        public void Data_PresentField_IsNotAddedAgain_NamesCaseInsensitive(string field, bool addsMessageId, bool addsDate)
        {
            var run = Send("Subject: s\n" + field + "\n\nbody");
            string expected = "Subject: s\r\n" + field + "\r\n" + (addsMessageId ? MessageId : "") + (addsDate ? Date : "") + "\r\nbody\r\n";
            Assert.Equal(expected, run.MessageAfterReceived);
        }

        [Fact]
        public void Data_FoldedFields_StayWhole_AndTheAddedFieldsComeAfterTheFold()
        {
            var run = Send("Subject: a long\n subject\n\tfolded twice\nTo: x@local.test\n\nbody");
            Assert.Equal("Subject: a long\r\n subject\r\n\tfolded twice\r\nTo: x@local.test\r\n" + MessageId + Date + "\r\nbody\r\n",
                         run.MessageAfterReceived);
        }

        [Fact]
        public void Data_HeaderOnlyMessage_GetsTheFieldsAtItsEnd()
        {
            var run = Send("Subject: only a header\nTo: x@local.test");
            Assert.Equal("Subject: only a header\r\nTo: x@local.test\r\n" + MessageId + Date, run.MessageAfterReceived);
        }

        [Fact]
        public void Data_MessageWithoutHeader_GetsTheFieldsAndAnEmptyLine_BeforeItsFirstLine()
        {
            var run = Send("Hello, this is a body without any header.\nSecond line: looks like a field");
            Assert.Equal(MessageId + Date + "\r\nHello, this is a body without any header.\r\nSecond line: looks like a field\r\n",
                         run.MessageAfterReceived);
        }

        [Fact]
        public void Data_MessageStartingWithAnEmptyLine_GetsTheFieldsBeforeIt()
        {
            var run = Send("\nbody only");
            Assert.Equal(MessageId + Date + "\r\nbody only\r\n", run.MessageAfterReceived);
        }

        [Fact]
        public void Data_ObsoleteSpaceBeforeColon_IsStillAHeaderField()
        {
            // RFC 5322 §4.5: obs-optional = field-name *WSP ":" ... — still part of the header.
            var run = Send("Subject : spaced\nDate : Thu, 14 Jan 2027 10:00:00 +0100\nTo: x@local.test\n\nbody");
            Assert.Equal("Subject : spaced\r\nDate : Thu, 14 Jan 2027 10:00:00 +0100\r\nTo: x@local.test\r\n" + MessageId + "\r\nbody\r\n",
                         run.MessageAfterReceived);
        }

        [Fact]
        public void Data_HeaderLineLongerThanTheFilterHolds_PassesUnchanged_AndStaysInTheHeader()
        {
            string longField = "X-Long: " + new string('x', 2500);
            var run = Send(longField + "\nSubject: after\n\nbody");
            Assert.Equal(longField + "\r\nSubject: after\r\n" + MessageId + Date + "\r\nbody\r\n", run.MessageAfterReceived);
        }

        // ---- Mail loops (RFC 5321 §6.3) --------------------------------------------------------

        private static string ReceivedFields(int count, string name = "Received")
        {
            return string.Concat(Enumerable.Range(1, count).Select(i =>
                "C: " + name + ": from hop" + i + ".test by hop" + (i + 1) + ".test; Fri, 15 Jan 2027 07:00:00 +0000\n"));
        }

        [Fact]
        public void Data_With50ReceivedFields_IsAccepted()
        {
            var run = Run(Dialog.UpToData + ReceivedFields(50) + "C:\nC: body\nC: .\n" + Dialog.Queued);
            Assert.Single(run.Stored);
        }

        [Theory]
        [InlineData("Received")]
        [InlineData("received")]
        [InlineData("RECEIVED")]
        public void Data_With51ReceivedFields_Replies554_546_StoresNothing_AndReadsTheNextCommand(string name)
        {
            var run = Run(Dialog.UpToData + ReceivedFields(51, name) + """
                C:
                C: body
                C: .
                C: NOOP
                S: 554 5.4.6 Too many Received headers: mail forwarding loop
                S: 250 2.0.0 Ok
                """);
            Assert.Empty(run.Stored);
            Assert.Equal(new[] { "DataStarting", "DataAborted" }, run.Events);
            Assert.False(run.Closed);
        }

        [Fact]
        public void Data_ReceivedFieldsInTheBody_AreNotCounted()
        {
            var run = Run(Dialog.UpToData + "C: Subject: forwarded\nC:\n" + ReceivedFields(60) + "C: .\n" + Dialog.Queued);
            Assert.Single(run.Stored);
        }

        [Fact]
        public void Data_ReceivedLimit_IsConfigurable()
        {
            var harness = new SessionHarness();
            harness.Settings.MaxReceived = 2;
            harness.Run(Dialog.UpToData + ReceivedFields(3) + "C: .\nS: 554 5.4.6 *\n");
        }

        // ---- Verdicts from the spool -----------------------------------------------------------

        [Fact]
        public void Data_SpoolRefusesTheMessage_RepliesItsVerdict_AndTheSessionGoesOn()
        {
            var harness = new SessionHarness { SpoolVerdict = Replies.SpoolError };
            var run = harness.Run(Dialog.UpToData + """
                C: hello
                C: .
                S: 451 4.3.0 Could not store the message, try again later
                """ + "\n" + Dialog.Mail + Dialog.Rcpt);
            Assert.Equal(new[] { "DataStarting", "DataEnded" }, run.Events);
        }

        [Fact]
        public void Data_SpoolCannotOpenAFile_RepliesItsVerdict_WithoutA354_AndTheTransactionIsOver()
        {
            var harness = new SessionHarness { DataStartFailure = Replies.SpoolFull };
            var run = harness.Run(Dialog.Greeting + Dialog.Ehlo + Dialog.Mail + Dialog.Rcpt + """
                C: DATA
                S: 452 4.3.1 Insufficient system storage
                C: RCPT TO:<user@local.test>
                S: 503 5.5.1 Bad sequence of commands; expected EHLO HELO MAIL
                """ + "\n" + Dialog.Mail);
            Assert.Equal(new[] { "DataStarting" }, run.Events);
            Assert.Empty(run.Stored);
        }

        [Fact]
        public void Mail_WhenTheSpoolHasNoRoom_Replies452_431()
        {
            var harness = new SessionHarness { SpoolMaxBytes = 4000 };
            harness.Run(Dialog.Greeting + Dialog.Ehlo + """
                C: MAIL FROM:<sender@client.test>
                S: 452 4.3.1 Insufficient system storage
                """);
        }

        [Fact]
        public void Mail_WhenTheDeclaredSizeDoesNotFitTheSpool_Replies452_431()
        {
            var harness = new SessionHarness { SpoolMaxBytes = 10000 };
            harness.Run(Dialog.Greeting + Dialog.Ehlo + """
                C: MAIL FROM:<sender@client.test> SIZE=6000
                S: 452 4.3.1 Insufficient system storage
                C: MAIL FROM:<sender@client.test> SIZE=500
                S: 250 2.1.0 Ok
                """);
        }

        [Fact]
        public void Data_SpoolFillsWhileStreaming_ReadsTheMessageToItsEnd_Replies452_StoresNothing()
        {
            var harness = new SessionHarness { FailBodyAfterBytes = 0 };
            var run = harness.Run(Dialog.UpToData + Dialog.ClientLines(string.Join("\n", Enumerable.Repeat("QUIT", 2000))) + """
                C: .
                C: NOOP
                S: 452 4.3.1 Insufficient system storage
                S: 250 2.0.0 Ok
                """);
            Assert.Empty(run.Stored);
            Assert.Equal(new[] { "DataStarting", "DataAborted" }, run.Events);
        }

        // ---- Streaming -------------------------------------------------------------------------

        [Fact]
        public void Data_LargeMessage_IsStoredByteExact_AndReachesTheLoopInBoundedChunks()
        {
            var random = new Random(7);
            var lines = Enumerable.Range(0, 4000).Select(i =>
                (i % 17 == 0 ? "." : "") + new string((char)('a' + random.Next(26)), random.Next(0, 120))).ToArray();
            var wire = lines.Select(l => l.StartsWith('.') ? "." + l : l); // dot-stuffed, RFC 5321 §4.5.2
            var run = Send("Subject: big\n\n" + string.Join("\n", wire));
            string stored = run.MessageAfterReceived;
            string expected = "Subject: big\r\n" + MessageId + Date + "\r\n" + string.Concat(lines.Select(l => l + "\r\n"));
            Assert.Equal(expected, stored);
            // Body is handed over in chunks: it never needs more than its initial room.
            Assert.InRange(run.MaxBodyCount, 1, SmtpServerSession.BodyChunk + SmtpServerSession.BodyHeadroom);
            Assert.Equal(SmtpServerSession.BodyChunk + SmtpServerSession.BodyHeadroom, run.Session.Body.Array.Length);
        }

        [Fact]
        public void Data_MessageBytes_CountsTheMessageAsReceived_AfterUnstuffing()
        {
            var session = new SessionHarness().NewSession();
            Feed(session, "EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<postmaster>\r\nDATA\r\n");
            Assert.Equal(SessionEvent.DataStarting, session.PollEvent());
            session.CompleteDataStart("Q1", SessionHarness.MessageUnixMs);
            Feed(session, "ab\r\n..c\r\n.\r\n");
            Assert.Equal(8, session.MessageBytes); // "ab\r\n.c\r\n"
        }

        private static void Feed(SmtpServerSession session, string text)
        {
            Assert.Equal(Transcript.Latin1(text).Length, ReadingClient.Feed(session, text));
        }
    }
}
