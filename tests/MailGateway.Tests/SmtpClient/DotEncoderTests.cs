// DotEncoder (RFC 5321 §4.1.1.4, §4.5.2): line ends cleaned first (bare CR or LF → CRLF, NUL
// dropped), then dot-stuffing, then the end-of-data line. Fed whole, one byte at a time, at every
// split point and in seeded random chunks, into output buffers of several sizes; and a seeded
// property: for any bytes, our own DataDecoder reads the output back to the cleaned input and
// never sees a bare CR, bare LF, NUL or an early end.
using MailGateway.Core.Smtp;
using MailGateway.Tests.Smtp;
using MailGateway.Tests.Text;

namespace MailGateway.Tests.Client
{
    public class DotEncoderTests
    {
        private static (byte[] Output, int Repairs) Encode(byte[] input, Feed feed, int dstSize)
        {
            var encoder = new DotEncoder();
            encoder.Reset();
            var output = new MemoryStream();
            var dst = new byte[Math.Max(dstSize, DotEncoder.FinishBytes)];
            int done = 0;
            foreach (int chunk in feed.Chunks(input.Length))
            {
                int end = done + chunk;
                while (done < end)
                {
                    int used = encoder.Encode(input, done, end - done, dst, 0, dstSize, out int produced);
                    Assert.True(used > 0, "no progress with " + dstSize + " bytes of room");
                    Assert.InRange(produced, 0, dstSize);
                    output.Write(dst, 0, produced);
                    done += used;
                }
            }
            output.Write(dst, 0, encoder.Finish(dst, 0));
            return (output.ToArray(), encoder.Repairs);
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
        [InlineData(@"", @".\r\n", 0)]
        [InlineData(@"a\r\n", @"a\r\n.\r\n", 0)]
        [InlineData(@"a", @"a\r\n.\r\n", 0)]
        [InlineData(@"\r\n", @"\r\n.\r\n", 0)]
        [InlineData(@".\r\n", @"..\r\n.\r\n", 0)]
        [InlineData(@"..x\r\n", @"...x\r\n.\r\n", 0)]
        [InlineData(@".", @"..\r\n.\r\n", 0)]
        [InlineData(@"a\r\n.b\r\nc.\r\n . \r\n", @"a\r\n..b\r\nc.\r\n . \r\n.\r\n", 0)]
        [InlineData(@"body\r\n.\r\nMAIL FROM:<evil@x.test>\r\n", @"body\r\n..\r\nMAIL FROM:<evil@x.test>\r\n.\r\n", 0)]
        [InlineData(@"a\nb\n", @"a\r\nb\r\n.\r\n", 2)]
        [InlineData(@"a\rb\r", @"a\r\nb\r\n.\r\n", 2)]
        [InlineData(@"a\r\r\nb", @"a\r\n\r\nb\r\n.\r\n", 1)]
        [InlineData(@"a\n\rb", @"a\r\n\r\nb\r\n.\r\n", 2)]
        [InlineData(@"a\n.\n", @"a\r\n..\r\n.\r\n", 2)]
        [InlineData(@"a\r.\r\n", @"a\r\n..\r\n.\r\n", 1)]
        [InlineData(@"\n.\n", @"\r\n..\r\n.\r\n", 2)]
        [InlineData(@"x\0y\r\n", @"xy\r\n.\r\n", 1)]
        [InlineData(@"\0.x\r\n", @"..x\r\n.\r\n", 1)]
        [InlineData(@"\0\0\0", @".\r\n", 3)]
        [InlineData(@"a\r\0\nb", @"a\r\nb\r\n.\r\n", 1)]
        [InlineData(@"\t\x7f\x80\xff\r\n", @"\t\x7f\x80\xff\r\n.\r\n", 0)]
        public void Encode_CleansLineEnds_ThenStuffsDots_ThenEnds(string input, string expected, int repairs)
        {
            byte[] bytes = Transcript.Unescape(input);
            string want = Transcript.Latin1(Transcript.Unescape(expected));
            foreach (var (feed, dstSize) in Ways(bytes.Length))
            {
                var (output, count) = Encode(bytes, feed, dstSize);
                string how = "feed " + feed + ", dst " + dstSize;
                Assert.True(want == Transcript.Latin1(output), how + ": " + Transcript.Latin1(output));
                Assert.True(repairs == count, how + ": repairs " + count);
            }
        }

        // What the encoder must produce before stuffing, written the obvious way.
        private static byte[] Cleaned(byte[] input)
        {
            var lines = new List<byte>();
            for (int i = 0; i < input.Length; i++)
            {
                byte b = input[i];
                if (b == 0) continue;
                if (b == '\r')
                {
                    lines.Add(13);
                    lines.Add(10);
                    int j = i + 1;
                    while (j < input.Length && input[j] == 0) j++;
                    if (j < input.Length && input[j] == '\n') i = j;
                    continue;
                }
                if (b == '\n')
                {
                    lines.Add(13);
                    lines.Add(10);
                    continue;
                }
                lines.Add(b);
            }
            if (lines.Count > 0 && !(lines[^1] == 10 && lines[^2] == 13))
            {
                lines.Add(13);
                lines.Add(10);
            }
            return lines.ToArray();
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(20261129)]
        public void Encode_AnyBytes_DecodeBackToTheCleanedInput_AndNeverEndEarly(int seed)
        {
            var random = new Random(seed);
            // Bytes rich in CR, LF, NUL and dots, so every combination turns up.
            byte[] alphabet = { 13, 10, 0, (byte)'.', (byte)'.', (byte)'a', (byte)' ', 0xff };
            for (int round = 0; round < 200; round++)
            {
                var input = new byte[random.Next(0, 300)];
                for (int i = 0; i < input.Length; i++) input[i] = random.Next(4) == 0 ? (byte)random.Next(256) : alphabet[random.Next(alphabet.Length)];
                var (output, _) = Encode(input, Feed.Random(seed * 1000 + round, 40), 2 + random.Next(30));
                ClientLink.AssertCleanWire(output, "seed " + seed + " round " + round);
                var decoder = new DataDecoder();
                decoder.Reset();
                var decoded = new byte[output.Length + 2];
                int used = decoder.Decode(output, 0, output.Length, decoded, 0, decoded.Length, out int produced);
                Assert.True(DataDecoder.Ended == decoder.Status, "seed " + seed + " round " + round + ": status " + decoder.Status);
                Assert.True(output.Length == used, "seed " + seed + " round " + round + ": the data ended early");
                Assert.Equal(Cleaned(input), decoded[..produced]);
            }
        }
    }
}
