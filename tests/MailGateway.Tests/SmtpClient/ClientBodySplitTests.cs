// The body boundary of the client session as a property (HOUSE-STYLE: interfaces that cannot be
// driven wrong). However a body is offered — one byte at a time, exactly BodyOutputLimit, that
// size ± 1, a spool record's 4 KiB, one huge piece, random pieces — and however fast the link
// takes the output, the bytes on the wire after the 354 are the same, and they are the body
// dot-stuffed by an independent reference (RFC 5321 §4.5.2) and ended by CRLF "." CRLF.
// This is the boundary where the gateway once crashed on every message above 1.9 KB.
using System.Text;
using MailGateway.Core.Smtp;
using MailGateway.Core.Runtime;

namespace MailGateway.Tests.Client
{
    public class ClientBodySplitTests
    {
        private const int Limit = SmtpClientSession.BodyOutputLimit;

        private static readonly int[] FixedPieces = { 1, Limit - 1, Limit, Limit + 1, 4096, 4097, 2048, 2049, int.MaxValue };

        public static IEnumerable<object[]> Sizes()
        {
            foreach (int size in new[] { 0, 1, 2, 1886, 1887, Limit - 1, Limit, Limit + 1, 2 * Limit + 3, 30_000, 61_440 })
                yield return new object[] { size };
        }

        [Theory]
        [MemberData(nameof(Sizes))]
        public void AnySplit_PutsTheSameBytesOnTheWire_AsTheReferenceEncoding(int size)
        {
            var random = new Random(size + 7);
            byte[] body = MakeBody(random, size);
            byte[] expected = ReferenceEncode(body);
            foreach (int piece in FixedPieces)
            {
                Assert.Equal(expected, Send(body, _ => piece, linkChunk: 65536, how: "pieces of " + piece));
                Assert.Equal(expected, Send(body, _ => piece, linkChunk: 1, how: "pieces of " + piece + ", link 1 byte"));
            }
            for (int seed = 0; seed < 10; seed++)
            {
                var r = new Random(seed * 31 + size);
                int link = 1 + r.Next(9000);
                Assert.Equal(expected, Send(body, left => 1 + r.Next(Math.Max(1, Math.Min(left, r.Next(2) == 0 ? 17 : 20_000))), link,
                                            "random seed " + seed));
            }
        }

        [Theory]
        [InlineData(1)]
        [InlineData(2)]
        [InlineData(3)]
        [InlineData(20261206)]
        public void RandomBodiesAndSplits_AllMatchTheReference(int seed)
        {
            var random = new Random(seed);
            for (int round = 0; round < 40; round++)
            {
                byte[] body = MakeBody(random, random.Next(3) == 0 ? random.Next(40) : random.Next(3 * Limit + 5));
                byte[] expected = ReferenceEncode(body);
                int fixedPiece = FixedPieces[random.Next(FixedPieces.Length)];
                bool useFixed = random.Next(2) == 0;
                int link = 1 + random.Next(random.Next(2) == 0 ? 10 : 10_000);
                var r = new Random(random.Next());
                byte[] wire = Send(body, left => useFixed ? fixedPiece : 1 + r.Next(Math.Max(1, left)), link,
                                   "seed " + seed + " round " + round);
                Assert.Equal(expected, wire);
            }
        }

        // Bodies with what makes encoding hard: lines of exactly 998 octets, leading dots, 8-bit
        // bytes, bare CR and bare LF (repaired), CR LF split across pieces, NULs (dropped).
        private static byte[] MakeBody(Random random, int size)
        {
            var bytes = new List<byte>(size);
            string[] pieces = { "\r\n", ".", "..\r\n", "\r\n.\r\n", "\n", "\r", "\0", "é", "\xff\xfe", "line\r\n", "\r\n..x" };
            while (bytes.Count < size)
            {
                int kind = random.Next(10);
                if (kind == 0) bytes.AddRange(Encoding.Latin1.GetBytes(new string('L', 998) + "\r\n"));
                else if (kind < 5) bytes.AddRange(Encoding.Latin1.GetBytes(pieces[random.Next(pieces.Length)]));
                else for (int i = random.Next(80); i > 0; i--) bytes.Add((byte)(0x20 + random.Next(0xdf)));
            }
            return bytes.Take(size).ToArray();
        }

        // RFC 5321 §4.5.2 and the repairs DotEncoder documents, written independently: NULs go,
        // every CR LF, bare CR and bare LF becomes CR LF, a line starting with "." gets one more,
        // an open last line is closed, then ".".
        private static byte[] ReferenceEncode(byte[] body)
        {
            var text = Encoding.Latin1.GetString(body).Replace("\0", "").Replace("\r\n", "\n").Replace("\r", "\n");
            var lines = text.Split('\n').ToList();
            bool closed = text.Length == 0 || text.EndsWith('\n');
            if (closed) lines.RemoveAt(lines.Count - 1);
            var output = new StringBuilder();
            foreach (string line in lines) output.Append(line.StartsWith('.') ? "." + line : line).Append("\r\n");
            output.Append(".\r\n");
            return Encoding.Latin1.GetBytes(output.ToString());
        }

        // Drives a session to its 354, offers the body in pieces of nextPiece(left) bytes whenever
        // it wants some, moves at most linkChunk bytes off per turn, and returns what went on the
        // wire after the 354 up to the final dot.
        private static byte[] Send(byte[] body, Func<int, int> nextPiece, int linkChunk, string how)
        {
            long now = 1_000;
            var c = new SmtpClientSession(new ClientSettings { Hostname = "client.test" }, now);
            Assert.True(c.BeginMessage("cam@lan.test", new[] { "a@x.test" }, body.Length, now));
            c.Connected(now);
            var buffer = new byte[linkChunk];
            Reply(c, "220 mx.test\r\n250 mx.test\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 go\r\n", now);
            while (Transmitter.Copy(c, buffer, 0, buffer.Length) > 0) { }
            var wire = new List<byte>();
            int offset = 0;
            bool ended = false;
            for (int turn = 0; !ended || c.HasOutput; turn++)
            {
                Assert.True(turn < 50_000_000, how + ": no progress");
                for (int e = c.PollEvent(); e != ClientEvent.None; e = c.PollEvent())
                {
                    Assert.True(e == ClientEvent.NeedBody, how + ": unexpected event " + ClientEvent.Name(e));
                }
                while (!ended && c.WantsBody)
                {
                    if (offset == body.Length)
                    {
                        Assert.True(c.EndBody(now), how);
                        ended = true;
                        break;
                    }
                    int left = body.Length - offset;
                    int piece = (int)Math.Min(left, (long)nextPiece(left));
                    int taken = c.WriteBody(body, offset, piece, now);
                    Assert.InRange(taken, 0, piece);
                    offset += taken;
                    if (taken == 0) break;
                }
                int n = Transmitter.Copy(c, buffer, 0, buffer.Length);
                wire.AddRange(buffer.AsSpan(0, n).ToArray());
            }
            Assert.Equal(body.Length, offset);
            Assert.Equal(body.Length, c.BodyBytes);
            Assert.Equal(ClientState.AwaitingEndOfData, c.State);
            Reply(c, "250 2.0.0 Ok\r\n", now);
            Assert.Equal(DeliveryStatus.Delivered, c.Outcome.Recipients[0].Status);
            return wire.ToArray();
        }

        private static void Reply(SmtpClientSession c, string text, long now)
        {
            var bytes = Encoding.Latin1.GetBytes(text);
            Assert.Equal(bytes.Length, c.Receive(bytes, 0, bytes.Length, now));
        }
    }
}
