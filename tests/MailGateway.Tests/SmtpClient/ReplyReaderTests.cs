// ReplyReader (RFC 5321 §4.2 replies, §4.5.3.1.5 line length, RFC 2034/3463 enhanced codes), fed
// whole, one byte at a time, at every split point and in seeded random chunks. It stops after a
// complete reply: the bytes of the next one must stay unread.
using MailGateway.Core.Smtp;
using MailGateway.Tests.Smtp;
using MailGateway.Tests.Text;

namespace MailGateway.Tests.Client
{
    public class ReplyReaderTests
    {
        private const string Trailing = "250 next reply\r\n";

        private sealed class Result
        {
            public int Status;
            public Reply Reply;
            public string Error;
            public int Consumed;
            public List<string> Lines = new List<string>();
        }

        /// <summary>Feeds input as a loop would (keeping what was not consumed) until one reply is complete or malformed.</summary>
        private static Result ReadOne(ReplyReader reader, byte[] input, int start, Feed feed)
        {
            int consumed = start, arrived = start;
            while (arrived < input.Length && reader.Status != ReplyReader.Malformed)
            {
                arrived += feed.Next(input.Length - arrived);
                int used = reader.Read(input, consumed, arrived - consumed);
                Assert.InRange(used, 0, arrived - consumed);
                consumed += used;
                if (reader.Status == ReplyReader.Complete) break;
            }
            var result = new Result { Status = reader.Status, Reply = reader.Reply, Error = reader.Error, Consumed = consumed - start };
            for (int i = 0; i < reader.LineCount; i++) result.Lines.Add(reader.Line(i));
            return result;
        }

        [Theory]
        [InlineData(@"250 Ok\r\n", 250, null, "Ok", 1)]
        [InlineData(@"250 2.1.0 Ok\r\n", 250, "2.1.0", "Ok", 1)]
        [InlineData(@"250\r\n", 250, null, "", 1)]
        [InlineData(@"250 \r\n", 250, null, "", 1)]
        [InlineData(@"334 \r\n", 334, null, "", 1)]
        [InlineData(@"334 VXNlcm5hbWU6\r\n", 334, null, "VXNlcm5hbWU6", 1)]
        [InlineData(@"451 4.3.0\r\n", 451, "4.3.0", "", 1)]
        [InlineData(@"250 2.1.10 three-digit detail\r\n", 250, "2.1.10", "three-digit detail", 1)]
        [InlineData(@"250 5.1.1 class differs from the code\r\n", 250, null, "5.1.1 class differs from the code", 1)]
        [InlineData(@"250 2.1234.0 subject too long\r\n", 250, null, "2.1234.0 subject too long", 1)]
        [InlineData(@"250 2.1.0x no space after\r\n", 250, null, "2.1.0x no space after", 1)]
        [InlineData(@"250 2.1 too short\r\n", 250, null, "2.1 too short", 1)]
        [InlineData(@"250-mx.test\r\n250-PIPELINING\r\n250 SIZE 1000\r\n", 250, null, "mx.test PIPELINING SIZE 1000", 3)]
        [InlineData(@"550-5.1.1 first\r\n550 5.1.1 second\r\n", 550, "5.1.1", "first second", 2)]
        [InlineData(@"220-\r\n220-\r\n220 hi\r\n", 220, null, "hi", 3)]
        [InlineData(@"554 5.7.1 <x@y.test>: Relay access denied\r\n", 554, "5.7.1", "<x@y.test>: Relay access denied", 1)]
        [InlineData(@"250 eight bit \xe9\xff ok\r\n", 250, null, "eight bit \u00e9\u00ff ok", 1)]
        [InlineData(@"559 highest code\r\n", 559, null, "highest code", 1)]
        [InlineData(@"200 lowest code\r\n", 200, null, "lowest code", 1)]
        public void Read_ValidReply_IsComplete_AndLeavesTheNextReplyUnread(string wire, int code, string enhanced, string text, int lines)
        {
            byte[] reply = Transcript.Unescape(wire);
            byte[] input = reply.Concat(Transcript.Latin1(Trailing)).ToArray();
            foreach (var feed in Feed.All(input.Length))
            {
                var result = ReadOne(new ReplyReader(), input, 0, feed);
                string how = "feed " + feed;
                Assert.True(ReplyReader.Complete == result.Status, how + ": " + result.Error);
                Assert.Equal(code, result.Reply.Code);
                Assert.Equal(enhanced, result.Reply.Enhanced);
                Assert.Equal(text, result.Reply.Text);
                Assert.Equal(lines, result.Lines.Count);
                Assert.True(reply.Length == result.Consumed, how + ": consumed " + result.Consumed);
                Assert.Equal(code == 421, result.Reply.Closes);
            }
        }

        [Fact]
        public void Read_After421_SaysTheServerCloses()
        {
            var result = ReadOne(new ReplyReader(), Transcript.Latin1("421 4.4.2 mx.test Error: timeout exceeded\r\n"), 0, Feed.Whole());
            Assert.True(result.Reply.Closes);
            Assert.Equal("421 4.4.2 mx.test Error: timeout exceeded", result.Reply.ToString());
        }

        [Fact]
        public void Read_LineOf512OctetsWithCrLf_IsTheLongestAccepted()
        {
            string text = new string('x', 506);
            var ok = ReadOne(new ReplyReader(), Transcript.Latin1("250 " + text + "\r\n"), 0, Feed.Whole());
            Assert.Equal(ReplyReader.Complete, ok.Status);
            Assert.Equal(text, ok.Reply.Text);
            var tooLong = ReadOne(new ReplyReader(), Transcript.Latin1("250 " + text + "x\r\n"), 0, Feed.Whole());
            Assert.Equal(ReplyReader.Malformed, tooLong.Status);
            Assert.Equal("reply line longer than 512 bytes", tooLong.Error);
        }

        [Theory]
        [InlineData(@"25O Ok\r\n", "malformed reply code")]
        [InlineData(@"2500 Ok\r\n", "malformed reply code")]
        [InlineData(@"250_Ok\r\n", "malformed reply code")]
        [InlineData(@"150 Ok\r\n", "malformed reply code")]
        [InlineData(@"650 Ok\r\n", "malformed reply code")]
        [InlineData(@"260 Ok\r\n", "malformed reply code")]
        [InlineData(@"599 Ok\r\n", "malformed reply code")]
        [InlineData(@"25\r\n", "malformed reply code")]
        [InlineData(@"\r\n", "malformed reply code")]
        [InlineData(@" 250 Ok\r\n", "malformed reply code")]
        [InlineData(@"HTTP/1.1 400 Bad Request\r\n", "malformed reply code")]
        [InlineData(@"250 Ok\n", "bare LF in reply")]
        [InlineData(@"250-a\n250 b\r\n", "bare LF in reply")]
        [InlineData(@"250 Ok\rx\n", "bare CR in reply")]
        [InlineData(@"250 Ok\r\r\n", "bare CR in reply")]
        [InlineData(@"250 O\0k\r\n", "NUL in reply")]
        [InlineData(@"250-a\r\n251 b\r\n", "reply code changed within a multi-line reply")]
        [InlineData(@"250-a\r\n550 b\r\n", "reply code changed within a multi-line reply")]
        public void Read_MalformedReply_StopsWithAReason_AndReadsNothingMore(string wire, string error)
        {
            byte[] input = Transcript.Unescape(wire).Concat(Transcript.Latin1(Trailing)).ToArray();
            foreach (var feed in Feed.All(input.Length))
            {
                var reader = new ReplyReader();
                var result = ReadOne(reader, input, 0, feed);
                Assert.True(ReplyReader.Malformed == result.Status, "feed " + feed);
                Assert.Equal(error, result.Error);
                Assert.Null(result.Reply);
                Assert.Equal(0, reader.Read(input, 0, input.Length));
                reader.Reset();
                Assert.Equal(ReplyReader.NeedMore, reader.Status);
            }
        }

        [Fact]
        public void Read_PipelinedReplies_ComeOneAtATime_InOrder()
        {
            byte[] input = Transcript.Latin1("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 unknown\r\n354 go\r\n");
            foreach (var feed in Feed.All(input.Length, 20))
            {
                var reader = new ReplyReader();
                var replies = new List<string>();
                int at = 0;
                while (at < input.Length)
                {
                    var result = ReadOne(reader, input, at, feed);
                    Assert.Equal(ReplyReader.Complete, result.Status);
                    replies.Add(result.Reply.ToString());
                    at += result.Consumed;
                }
                Assert.Equal(new[] { "250 2.1.0 Ok", "250 2.1.5 Ok", "550 5.1.1 unknown", "354 go" }, replies);
            }
        }

        [Fact]
        public void Read_VeryLongMultilineReply_KeepsBoundedLinesAndText()
        {
            var wire = new System.Text.StringBuilder();
            for (int i = 0; i < 200; i++) wire.Append("250-line ").Append(i).Append(' ').Append('x', 100).Append("\r\n");
            wire.Append("250 end\r\n");
            var result = ReadOne(new ReplyReader(), Transcript.Latin1(wire.ToString()), 0, Feed.Whole());
            Assert.Equal(ReplyReader.Complete, result.Status);
            Assert.Equal(ReplyReader.MaxKeptLines, result.Lines.Count);
            Assert.Equal(ReplyReader.MaxText, result.Reply.Text.Length);
        }

        // ---- EHLO keywords -------------------------------------------------------------------------

        [Theory]
        [InlineData("250-mx.test Hello\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n250-STARTTLS\r\n250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n",
                    "mx.test", true, true, 52428800L, true, true, true, true)]
        [InlineData("250-mx.test\r\n250 SIZE\r\n", "mx.test", false, true, 0L, false, false, false, false)]
        [InlineData("250-mx.test\r\n250-pipelining\r\n250-size 1000\r\n250 starttls\r\n", "mx.test", true, true, 1000L, true, false, false, false)]
        [InlineData("250-mx.test\r\n250-AUTH=LOGIN\r\n250 AUTH CRAM-MD5 DIGEST-MD5\r\n", "mx.test", false, false, 0L, false, false, true, false)]
        [InlineData("250-mx.test\r\n250-SIZE lots\r\n250 XPIPELINING\r\n", "mx.test", false, true, 0L, false, false, false, false)]
        [InlineData("250 mx.test\r\n", "mx.test", false, false, 0L, false, false, false, false)]
        public void Ehlo_Keywords_AreRead(string wire, string name, bool pipelining, bool size, long limit, bool startTls,
                                          bool plain, bool login, bool eightBit)
        {
            var reader = new ReplyReader();
            Assert.Equal(ReplyReader.Complete, ReadOne(reader, Transcript.Latin1(wire), 0, Feed.Whole()).Status);
            var server = new ServerCapabilities();
            server.ReadEhlo(reader, null);
            Assert.True(server.Extended);
            Assert.Equal(name, server.ServerName);
            Assert.Equal(pipelining, server.Pipelining);
            Assert.Equal(size, server.Size);
            Assert.Equal(limit, server.SizeLimit);
            Assert.Equal(startTls, server.StartTls);
            Assert.Equal(plain, server.AuthPlain);
            Assert.Equal(login, server.AuthLogin);
            Assert.Equal(eightBit, server.EightBitMime);
        }

        [Fact]
        public void Ehlo_DiscardedKeywords_AreIgnored_CaseInsensitively()
        {
            var reader = new ReplyReader();
            ReadOne(reader, Transcript.Latin1("250-mx.test\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 SIZE 10\r\n"), 0, Feed.Whole());
            var server = new ServerCapabilities();
            server.ReadEhlo(reader, new[] { "pipelining", "Size" });
            Assert.False(server.Pipelining);
            Assert.False(server.Size);
            Assert.True(server.StartTls);
        }
    }
}
