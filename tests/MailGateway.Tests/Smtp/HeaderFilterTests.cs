// HeaderFilter (RFC 5322 §2.2 header section, §3.6 Message-ID and Date; RFC 5321 §6.3 loop
// detection): completes the header of a streaming message and counts its Received fields. Fed
// whole, one byte at a time, at every split point of short inputs and in seeded random chunks;
// the output must not depend on how the input was cut.
using MailGateway.Core.Smtp;
using MailGateway.Core.Text;
using MailGateway.Tests.Text;
using Xunit;

namespace MailGateway.Tests.Smtp
{
    public class HeaderFilterTests
    {
        private const string Id = "Message-ID: <q1@mx.test>\r\n";
        private const string Date = "Date: Fri, 15 Jan 2027 08:00:00 +0000\r\n";

        private static (string Output, int Received) Filter(string input, Feed feed)
        {
            var filter = new HeaderFilter();
            filter.Start(Id, Date);
            var output = new ByteBuffer(16);
            byte[] bytes = Transcript.Latin1(input);
            int done = 0;
            foreach (int n in feed.Chunks(bytes.Length))
            {
                filter.Write(bytes, done, n, output);
                done += n;
            }
            filter.Finish(output);
            return (Transcript.Latin1(output.ToArray()), filter.ReceivedCount);
        }

        private static void AssertFiltered(string input, string expected, int received = 0)
        {
            foreach (var feed in Feed.All(input.Length))
            {
                var (output, count) = Filter(input, feed);
                Assert.True(expected == output, "feed " + feed + ":\n" + output);
                Assert.True(received == count, "feed " + feed + ": ReceivedCount " + count);
            }
        }

        [Theory]
        // Fields go where the header ends: before the empty line
        [InlineData("Subject: hi\r\n\r\nbody\r\n", "Subject: hi\r\n" + Id + Date + "\r\nbody\r\n")]
        [InlineData("From: a@b\r\nTo: c@d\r\n\r\n", "From: a@b\r\nTo: c@d\r\n" + Id + Date + "\r\n")]
        // ... or before the first line that is not a field, with an empty line added so it stays body
        [InlineData("Hello there\r\n", Id + Date + "\r\nHello there\r\n")]
        [InlineData("Subject: hi\r\nnot a field\r\nmore\r\n", "Subject: hi\r\n" + Id + Date + "\r\nnot a field\r\nmore\r\n")]
        [InlineData("Subject: hi\r\n: no name\r\n", "Subject: hi\r\n" + Id + Date + "\r\n: no name\r\n")]
        [InlineData("Sub ject: hi\r\n", Id + Date + "\r\nSub ject: hi\r\n")]
        [InlineData("From someone Fri Jan 15\r\n", Id + Date + "\r\nFrom someone Fri Jan 15\r\n")]
        [InlineData("\r\nbody\r\n", Id + Date + "\r\nbody\r\n")]
        // ... or at the end of a header-only or empty message
        [InlineData("Subject: only\r\n", "Subject: only\r\n" + Id + Date)]
        [InlineData("", Id + Date)]
        // Present fields are not added again; names are case-insensitive; obsolete space before the colon
        [InlineData("Message-ID: <x@y>\r\n\r\nb\r\n", "Message-ID: <x@y>\r\n" + Date + "\r\nb\r\n")]
        [InlineData("message-id:<x@y>\r\n\r\n", "message-id:<x@y>\r\n" + Date + "\r\n")]
        [InlineData("DATE: today\r\n\r\n", "DATE: today\r\n" + Id + "\r\n")]
        [InlineData("Date : today\r\nMessage-Id\t: <x@y>\r\n\r\n", "Date : today\r\nMessage-Id\t: <x@y>\r\n\r\n")]
        [InlineData("Date: a\r\nMessage-ID: b\r\n", "Date: a\r\nMessage-ID: b\r\n")]
        [InlineData("X-Date: a\r\nResent-Message-ID: b\r\n\r\n", "X-Date: a\r\nResent-Message-ID: b\r\n" + Id + Date + "\r\n")]
        // Folded fields stay whole
        [InlineData("Subject: a\r\n b\r\n\tc\r\n\r\nx\r\n", "Subject: a\r\n b\r\n\tc\r\n" + Id + Date + "\r\nx\r\n")]
        // Only the header is looked at
        [InlineData("\r\nDate: in the body\r\n", Id + Date + "\r\nDate: in the body\r\n")]
        public void Filter_CompletesTheHeader(string input, string expected)
        {
            AssertFiltered(input, expected);
        }

        [Theory]
        [InlineData("Received: a\r\nReceived: b\r\n\r\n", 2)]
        [InlineData("received: a\r\nRECEIVED: b\r\nReceived : c\r\n\r\n", 3)]
        [InlineData("Received: a\r\n  folded\r\n\tfolded again\r\n\r\n", 1)]
        [InlineData("X-Received: a\r\nReceived-SPF: pass\r\n\r\n", 0)]
        [InlineData("Subject: s\r\n\r\nReceived: in the body\r\n", 0)]
        [InlineData("Received: a\r\n", 1)]
        public void Filter_CountsReceivedFieldsOfTheHeaderOnly(string input, int received)
        {
            foreach (var feed in Feed.All(input.Length))
            {
                Assert.True(received == Filter(input, feed).Received, "feed " + feed);
            }
        }

        [Fact]
        public void Filter_LineLongerThanItHolds_PassesUnchanged_AndStaysAField()
        {
            string longField = "X-Long: " + new string('x', 3000) + "\r\n";
            AssertFiltered(longField + "Subject: after\r\n\r\nbody\r\n",
                           longField + "Subject: after\r\n" + Id + Date + "\r\nbody\r\n");
        }

        [Fact]
        public void Filter_LongLineWithoutAColon_EndsTheHeader()
        {
            string longLine = new string('y', 3000) + "\r\n";
            AssertFiltered("Subject: s\r\n" + longLine, "Subject: s\r\n" + Id + Date + "\r\n" + longLine);
        }

        [Theory]
        [InlineData(HeaderFilter.MaxHeaderLine - 2)]
        [InlineData(HeaderFilter.MaxHeaderLine - 1)]
        [InlineData(HeaderFilter.MaxHeaderLine)]
        [InlineData(HeaderFilter.MaxHeaderLine + 1)]
        public void Filter_LinesAroundTheHoldLimit_PassUnchanged(int length)
        {
            string field = "X-Edge: " + new string('e', length - 8) + "\r\n";
            AssertFiltered(field + "Received: x\r\n\r\n", field + "Received: x\r\n" + Id + Date + "\r\n", 1);
        }

        [Fact]
        public void Filter_WithoutFieldsToAdd_OnlyCounts()
        {
            var filter = new HeaderFilter();
            filter.Start(null, null);
            var output = new ByteBuffer(16);
            var input = Transcript.Latin1("Received: a\r\n\r\nbody\r\n");
            filter.Write(input, 0, input.Length, output);
            filter.Finish(output);
            Assert.Equal("Received: a\r\n\r\nbody\r\n", Transcript.Latin1(output.ToArray()));
            Assert.Equal(1, filter.ReceivedCount);
        }

        [Fact]
        public void Start_ResetsEverything_ForTheNextMessage()
        {
            var filter = new HeaderFilter();
            var output = new ByteBuffer(16);
            filter.Start(Id, Date);
            var first = Transcript.Latin1("Received: a\r\nDate: x\r\nMessage-ID: y\r\nhalf a li");
            filter.Write(first, 0, first.Length, output);
            filter.Start(Id, Date);
            output.Clear();
            var second = Transcript.Latin1("Subject: s\r\n\r\n");
            filter.Write(second, 0, second.Length, output);
            filter.Finish(output);
            Assert.Equal("Subject: s\r\n" + Id + Date + "\r\n", Transcript.Latin1(output.ToArray()));
            Assert.Equal(0, filter.ReceivedCount);
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(20261129)]
        public void Filter_RandomMessages_SameOutputHoweverTheyAreCut(int seed)
        {
            var random = new Random(seed);
            string[] pieces = { "Received: x\r\n", "Date: d\r\n", "Message-ID: m\r\n", "Subject: s\r\n", " folded\r\n",
                                "\r\n", "body line\r\n", "Received: in body?\r\n", new string('L', 1500) + "\r\n", "k: v\r\n" };
            for (int round = 0; round < 100; round++)
            {
                string input = string.Concat(Enumerable.Range(0, random.Next(0, 12)).Select(_ => pieces[random.Next(pieces.Length)]));
                var (whole, received) = Filter(input, Feed.Whole());
                var (cut, cutReceived) = Filter(input, Feed.Random(seed * 1000 + round, 40));
                Assert.True(whole == cut && received == cutReceived, "seed " + seed + ", round " + round);
                // Nothing of the input is lost or reordered: removing what was added gives it back.
                Assert.Contains(input.Replace("\r\n\r\n", "\r\n"), whole.Replace(Id, "").Replace(Date, "").Replace("\r\n\r\n", "\r\n"));
            }
        }
    }
}
