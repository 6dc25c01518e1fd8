// DataDecoder (RFC 5321 §4.1.1.4 end of data, §4.5.2 dot-unstuffing), fed whole, one byte at a
// time, at every split point and in seeded random chunks, into output buffers of several sizes.
// Bytes after the end of data (the next pipelined command) must stay unconsumed.
using MailGateway.Core.Smtp;
using MailGateway.Tests.Text;
using Xunit;

namespace MailGateway.Tests.Smtp
{
    public class DataDecoderTests
    {
        private const string Trailing = "MAIL FROM:<next@client.test>\r\n";

        private sealed class Result
        {
            public string Output;
            public int Consumed;
            public int Status;
        }

        /// <summary>Feeds input as a loop would (keeping what was not consumed) until it is used up or decoding stops.</summary>
        private static Result Decode(byte[] input, Feed feed, int dstSize)
        {
            var decoder = new DataDecoder();
            decoder.Reset();
            var output = new MemoryStream();
            var dst = new byte[dstSize];
            int consumed = 0, arrived = 0;
            while (arrived < input.Length && decoder.Status == DataDecoder.Running)
            {
                arrived += feed.Next(input.Length - arrived);
                while (consumed < arrived && decoder.Status == DataDecoder.Running)
                {
                    int used = decoder.Decode(input, consumed, arrived - consumed, dst, 0, dst.Length, out int produced);
                    Assert.InRange(used, 0, arrived - consumed);
                    Assert.InRange(produced, 0, dst.Length);
                    Assert.True(used > 0 || produced > 0, "no progress with " + dst.Length + " bytes of room");
                    output.Write(dst, 0, produced);
                    consumed += used;
                }
            }
            return new Result { Output = Transcript.Latin1(output.ToArray()), Consumed = consumed, Status = decoder.Status };
        }

        private static IEnumerable<(Feed Feed, int DstSize)> Ways(int length)
        {
            foreach (var feed in Feed.All(length)) yield return (feed, 4096);
            foreach (int size in new[] { 2, 3, 5 })
            {
                yield return (Feed.Whole(), size);
                yield return (Feed.Random(size), size);
            }
        }

        [Theory]
        [InlineData(@".\r\n", "")]
        [InlineData(@"hello\r\n.\r\n", @"hello\r\n")]
        [InlineData(@"\r\n.\r\n", @"\r\n")]
        [InlineData(@"a\r\nb\r\n\r\nc\r\n.\r\n", @"a\r\nb\r\n\r\nc\r\n")]
        [InlineData(@"..x\r\n.\r\n", @".x\r\n")]
        [InlineData(@"..\r\n.\r\n", @".\r\n")]
        [InlineData(@"...\r\n.\r\n", @"..\r\n")]
        [InlineData(@".x\r\n.\r\n", @"x\r\n")]
        [InlineData(@"x.\r\n.\r\n", @"x.\r\n")]
        [InlineData(@"x\r\n..\r\n..\r\n.\r\n", @"x\r\n.\r\n.\r\n")]
        [InlineData(@" .\r\n.\r\n", @" .\r\n")]
        [InlineData(@"\t\x7f\x80\xff\r\n.\r\n", @"\t\x7f\x80\xff\r\n")]
        [InlineData(@"a.\r\n.b\r\n. \r\n.\r\n", @"a.\r\nb\r\n \r\n")]
        public void Decode_EndsAtCrLfDotCrLf_Unstuffs_AndLeavesTheNextCommandUnread(string wire, string expected)
        {
            byte[] message = Transcript.Unescape(wire);
            byte[] input = message.Concat(Transcript.Latin1(Trailing)).ToArray();
            foreach (var (feed, dstSize) in Ways(input.Length))
            {
                var result = Decode(input, feed, dstSize);
                string how = "feed " + feed + ", dst " + dstSize;
                Assert.True(DataDecoder.Ended == result.Status, how + ": status " + result.Status);
                Assert.True(Transcript.Latin1(Transcript.Unescape(expected)) == result.Output, how + ": output " + result.Output);
                Assert.True(message.Length == result.Consumed, how + ": consumed " + result.Consumed);
            }
        }

        [Theory]
        [InlineData(@"hello\n.\n", DataDecoder.BareLineEnd)]
        [InlineData(@"hello\r.\r", DataDecoder.BareLineEnd)]
        [InlineData(@"hello\n.\r\n", DataDecoder.BareLineEnd)]
        [InlineData(@"hello\r\n.\n", DataDecoder.BareLineEnd)]
        [InlineData(@"hello\r\n.\r", DataDecoder.BareLineEnd)]
        [InlineData(@"hello\r\n.\rx", DataDecoder.BareLineEnd)]
        [InlineData(@"hello\r\n.\r\r\n", DataDecoder.BareLineEnd)]
        [InlineData(@"\n", DataDecoder.BareLineEnd)]
        [InlineData(@"\rx", DataDecoder.BareLineEnd)]
        [InlineData(@"a\r\r\n", DataDecoder.BareLineEnd)]
        [InlineData(@".\n", DataDecoder.BareLineEnd)]
        [InlineData(@"..\n", DataDecoder.BareLineEnd)]
        [InlineData(@"\x00", DataDecoder.NulByte)]
        [InlineData(@"a\x00b\r\n.\r\n", DataDecoder.NulByte)]
        [InlineData(@"a\r\x00", DataDecoder.NulByte)]
        [InlineData(@"a\r\n.\x00", DataDecoder.NulByte)]
        [InlineData(@"a\r\n.\r\x00", DataDecoder.NulByte)]
        public void Decode_BareCrOrLfOrNul_StopsWithAnError_AtThatByte(string wire, int status)
        {
            byte[] input = Transcript.Unescape(wire).Concat(Transcript.Latin1(Trailing)).ToArray();
            // The decoder stops on the offending byte: it is consumed, nothing after it is.
            int stopAt = Offending(input);
            foreach (var (feed, dstSize) in Ways(input.Length))
            {
                var result = Decode(input, feed, dstSize);
                string how = "feed " + feed + ", dst " + dstSize;
                Assert.True(status == result.Status, how + ": status " + result.Status);
                Assert.True(stopAt + 1 == result.Consumed, how + ": consumed " + result.Consumed + ", expected " + (stopAt + 1));
            }
        }

        // Index of the first byte that breaks the rules (NUL, LF not after CR, CR not before LF).
        private static int Offending(byte[] bytes)
        {
            for (int i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] == 0) return i;
                if (bytes[i] == 10 && (i == 0 || bytes[i - 1] != 13)) return i;
                if (i > 0 && bytes[i - 1] == 13 && bytes[i] != 10) return i;
            }
            throw new ArgumentException("no offending byte");
        }

        [Fact]
        public void Decode_UnfinishedMessage_KeepsRunning_AndConsumesEverything()
        {
            byte[] input = Transcript.Unescape(@"no end yet\r\n.");
            foreach (var (feed, dstSize) in Ways(input.Length))
            {
                var result = Decode(input, feed, dstSize);
                Assert.Equal(DataDecoder.Running, result.Status);
                Assert.Equal(input.Length, result.Consumed);
                Assert.Equal("no end yet\r\n", result.Output);
            }
        }

        [Fact]
        public void Decode_WithLessThanTwoBytesOfRoom_ConsumesNothing()
        {
            var decoder = new DataDecoder();
            var input = Transcript.Latin1("abc");
            Assert.Equal(0, decoder.Decode(input, 0, 3, new byte[1], 0, 1, out int produced));
            Assert.Equal(0, produced);
            Assert.Equal(DataDecoder.Running, decoder.Status);
        }

        [Fact]
        public void Decode_WritesAtTheGivenOffsets()
        {
            var decoder = new DataDecoder();
            var input = Transcript.Latin1("##ab\r\n.\r\n##");
            var dst = new byte[10];
            int used = decoder.Decode(input, 2, 7, dst, 3, 7, out int produced);
            Assert.Equal(7, used);
            Assert.Equal(4, produced);
            Assert.Equal("\0\0\0ab\r\n\0\0\0", Transcript.Latin1(dst));
        }

        [Fact]
        public void Reset_StartsANewMessage_AfterAnEndOrAnError()
        {
            var decoder = new DataDecoder();
            var dst = new byte[64];
            var broken = Transcript.Latin1("x\n");
            decoder.Decode(broken, 0, broken.Length, dst, 0, dst.Length, out _);
            Assert.Equal(DataDecoder.BareLineEnd, decoder.Status);
            Assert.Equal(0, decoder.Decode(broken, 0, broken.Length, dst, 0, dst.Length, out _)); // stopped stays stopped
            decoder.Reset();
            var next = Transcript.Latin1(".\r\n");
            Assert.Equal(3, decoder.Decode(next, 0, 3, dst, 0, dst.Length, out int produced));
            Assert.Equal(DataDecoder.Ended, decoder.Status);
            Assert.Equal(0, produced);
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(20261129)]
        public void Decode_RandomMessages_RoundTripThroughDotStuffing(int seed)
        {
            var random = new Random(seed);
            for (int round = 0; round < 200; round++)
            {
                // A random message of lines made from bytes other than NUL, CR and LF, many starting with dots.
                var lines = Enumerable.Range(0, random.Next(0, 30)).Select(_ =>
                {
                    var line = new byte[random.Next(0, 12)];
                    for (int i = 0; i < line.Length; i++)
                    {
                        int b;
                        do b = random.Next(4) == 0 ? '.' : random.Next(1, 256); while (b == 10 || b == 13);
                        line[i] = (byte)b;
                    }
                    return line;
                }).ToList();
                var plain = new List<byte>();
                var wire = new List<byte>();
                foreach (var line in lines)
                {
                    if (line.Length > 0 && line[0] == '.') wire.Add((byte)'.');
                    wire.AddRange(line);
                    wire.Add(13); wire.Add(10);
                    plain.AddRange(line);
                    plain.Add(13); plain.Add(10);
                }
                wire.AddRange(Transcript.Latin1(".\r\n"));
                int messageLength = wire.Count;
                wire.AddRange(Transcript.Latin1(Trailing));
                var feed = Feed.Random(seed * 1000 + round, 64);
                var result = Decode(wire.ToArray(), feed, 2 + random.Next(0, 40));
                string how = "seed " + seed + ", round " + round;
                Assert.True(DataDecoder.Ended == result.Status, how);
                Assert.True(Transcript.Latin1(plain.ToArray()) == result.Output, how);
                Assert.True(messageLength == result.Consumed, how);
            }
        }
    }
}
