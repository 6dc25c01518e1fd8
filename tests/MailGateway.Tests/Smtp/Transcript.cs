// An SMTP dialog as data, after chasquid's .cmy files and Postfix's .in/.ref pairs:
//
//   S: 220 *                    the server sends this line; a trailing '*' matches the rest of a line
//   C: EHLO client.test         the client sends the text and CRLF (the text is taken literally)
//   S: 250-mx.local.test        multi-line replies are one S: line per line
//   C! body\n.\n                the client sends exactly these bytes: \r \n \0 \\ \xHH are escapes, no CRLF added
//   W: 300000                   the client is silent for that many (virtual) ms; the loop calls HandleDeadline when due
//   E:                          the client closes its side (ReceiveEof)
//   T:                          the TLS handshake after STARTTLS: client bytes not yet read by the
//                               session are discarded (sent in plaintext), then CompleteTls
//                               (see SessionHarness.TlsHandshakeOk); later C: lines travel inside TLS
//   # a comment; blank lines are ignored
//
// The client's bytes between two W:/E: steps are one stream that the harness cuts into chunks
// (whole, byte by byte, seeded random). Replies are compared at the end, all of them, in order:
// the server's output does not depend on how its input was cut.
using System.Text;

using MailGateway.Tests.Text;

namespace MailGateway.Tests.Smtp
{
    public sealed class Transcript
    {
        public const int Send = 0;
        public const int Wait = 1;
        public const int Eof = 2;
        public const int Tls = 3;

        public sealed class Step
        {
            public int Kind;
            public byte[] Bytes;   // Send
            public long Ms;        // Wait
        }

        public readonly List<Step> Steps = new List<Step>();
        public readonly List<string> Expected = new List<string>();

        public static Transcript Parse(string text)
        {
            var transcript = new Transcript();
            var pending = new List<byte>();
            void FlushPending()
            {
                if (pending.Count == 0) return;
                transcript.Steps.Add(new Step { Kind = Send, Bytes = pending.ToArray() });
                pending.Clear();
            }
            foreach (string raw in text.Split('\n'))
            {
                string line = raw.EndsWith('\r') ? raw[..^1] : raw;
                if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#')) continue;
                if (line.Length < 2) throw new FormatException("Transcript line without a tag: " + line);
                string tag = line[..2];
                string rest = line.Length > 2 && line[2] == ' ' ? line[3..] : line[2..];
                switch (tag)
                {
                    case "C:":
                        pending.AddRange(Latin1(rest + "\r\n"));
                        break;
                    case "C!":
                        pending.AddRange(Unescape(rest));
                        break;
                    case "S:":
                        transcript.Expected.Add(rest);
                        break;
                    case "W:":
                        FlushPending();
                        transcript.Steps.Add(new Step { Kind = Wait, Ms = long.Parse(rest.Trim()) });
                        break;
                    case "E:":
                        FlushPending();
                        transcript.Steps.Add(new Step { Kind = Eof });
                        break;
                    case "T:":
                        if (rest.Trim().Length > 0) throw new FormatException("T: takes nothing after it: " + line);
                        FlushPending();
                        transcript.Steps.Add(new Step { Kind = Tls });
                        break;
                    default:
                        throw new FormatException("Unknown transcript tag: " + line);
                }
            }
            FlushPending();
            return transcript;
        }

        /// <summary>C! text: \r \n \0 \t \\ and \xHH.</summary>
        public static byte[] Unescape(string text)
        {
            var bytes = new List<byte>();
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c != '\\')
                {
                    bytes.Add((byte)c);
                    continue;
                }
                char e = text[++i];
                switch (e)
                {
                    case 'r': bytes.Add(13); break;
                    case 'n': bytes.Add(10); break;
                    case '0': bytes.Add(0); break;
                    case 't': bytes.Add(9); break;
                    case '\\': bytes.Add((byte)'\\'); break;
                    case 'x':
                        bytes.Add(Convert.ToByte(text.Substring(i + 1, 2), 16));
                        i += 2;
                        break;
                    default: throw new FormatException("Unknown escape \\" + e + " in: " + text);
                }
            }
            return bytes.ToArray();
        }

        public static byte[] Latin1(string text) => Encoding.Latin1.GetBytes(text);

        public static string Latin1(byte[] bytes) => Encoding.Latin1.GetString(bytes);

        public static bool LineMatches(string expected, string actual)
        {
            if (expected.EndsWith('*')) return actual.StartsWith(expected[..^1], StringComparison.Ordinal);
            return expected == actual;
        }

        /// <summary>Null when the replies match the S: lines; otherwise a side-by-side listing.</summary>
        /// <summary>
        /// Plays this transcript whole, byte by byte and in seeded random chunks (runOnce does one
        /// feed); every run must match the transcript and equal the first run. Returns the first.
        /// </summary>
        public TRun RunEveryFeed<TRun>(Func<Feed, TRun> runOnce, Func<TRun, IReadOnlyList<string>> replies,
                                       Func<TRun, TRun, string> difference, Func<TRun, string> describe)
            where TRun : class
        {
            var feeds = new List<Func<Feed>> { Feed.Whole, Feed.ByteByByte };
            foreach (int seed in Feed.Seeds) feeds.Add(() => Feed.Random(seed));
            TRun first = null;
            Feed firstFeed = null;
            foreach (var makeFeed in feeds)
            {
                var feed = makeFeed();
                TRun run;
                try
                {
                    run = runOnce(feed);
                }
                catch (Exception e) when (e is not Xunit.Sdk.XunitException)
                {
                    throw new Exception("Harness run failed with feed " + feed + ": " + e.Message, e);
                }
                string mismatch = Mismatch(replies(run));
                if (mismatch != null) Assert.Fail("Feed " + feed + ": " + mismatch + describe(run));
                if (first == null)
                {
                    first = run;
                    firstFeed = feed;
                    continue;
                }
                string different = difference(first, run);
                if (different != null) Assert.Fail("Feed " + feed + " differs from feed " + firstFeed + ": " + different);
            }
            return first;
        }

        public string Mismatch(IReadOnlyList<string> actual)
        {
            bool ok = actual.Count == Expected.Count;
            for (int i = 0; ok && i < actual.Count; i++) ok = LineMatches(Expected[i], actual[i]);
            if (ok) return null;
            var text = new StringBuilder("Server replies differ from the transcript (expected | actual):\n");
            for (int i = 0; i < Math.Max(actual.Count, Expected.Count); i++)
            {
                string e = i < Expected.Count ? Expected[i] : "(nothing)";
                string a = i < actual.Count ? actual[i] : "(nothing)";
                text.Append(i < Expected.Count && i < actual.Count && LineMatches(e, a) ? "   " : "!! ")
                    .Append(e).Append("  |  ").Append(a).Append('\n');
            }
            return text.ToString();
        }
    }
}
