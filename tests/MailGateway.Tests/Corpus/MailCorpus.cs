// The realistic corpus (tests/corpus/corpus.py) for the xunit suite: generated once per test run
// into a temporary folder by the same script the interop suite uses, then read as bytes. Also the
// comparison every path test makes: the delivered bytes equal the corpus file once the trace
// fields the gateways add are taken off the top (Received, Return-Path, Delivered-To) and, for a
// message without them, the Message-ID and Date the first gateway added.
using System.Diagnostics;
using System.Text;
using MailGateway.Tests.Config;

namespace MailGateway.Tests.Corpus;

public sealed class CorpusMessage
{
    public string Name;
    public string Sender;
    /// <summary>Recipient local parts; the test adds the domain of the path it drives.</summary>
    public string[] LocalParts;
    public string What;
    public byte[] Bytes;

    public override string ToString() => Name;
}

public static class MailCorpus
{
    private static readonly Lazy<CorpusMessage[]> s_all = new Lazy<CorpusMessage[]>(Generate);

    public static CorpusMessage[] All => s_all.Value;

    public static CorpusMessage Get(string name) => All.Single(m => m.Name == name);

    /// <summary>Every corpus name, for [MemberData].</summary>
    public static IEnumerable<object[]> Names() => All.Select(m => new object[] { m.Name });

    private static CorpusMessage[] Generate()
    {
        string dir = Path.Combine(Path.GetTempPath(), "mailgw-corpus-" + Environment.ProcessId);
        string script = Path.Combine(ConfigParserTests.RepositoryRoot(), "tests", "corpus", "corpus.py");
        var start = new ProcessStartInfo(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(dir);
        using (var p = Process.Start(start)!)
        {
            string errors = p.StandardError.ReadToEnd();
            Assert.True(p.WaitForExit(60_000), "corpus.py did not finish");
            Assert.True(p.ExitCode == 0, "corpus.py failed: " + errors);
        }
        var messages = new List<CorpusMessage>();
        foreach (string line in File.ReadAllLines(Path.Combine(dir, "index.tsv")))
        {
            if (line.Length == 0) continue;
            string[] f = line.Split('\t');
            messages.Add(new CorpusMessage
            {
                Name = f[0], Sender = f[2], LocalParts = f[3].Split(','), What = f[4],
                Bytes = File.ReadAllBytes(Path.Combine(dir, f[0] + ".eml")),
            });
            Assert.Equal(long.Parse(f[1]), messages[^1].Bytes.Length);
        }
        Directory.Delete(dir, true);
        return messages.ToArray();
    }

    // ---- Comparing what arrived ---------------------------------------------------------------

    private static readonly string[] TraceFields = { "received:", "return-path:", "delivered-to:" };

    /// <summary>
    /// Asserts that delivered is the corpus message plus trace fields at the top (and, for a
    /// message that had none, one added Message-ID and Date at the end of its header).
    /// </summary>
    public static void AssertSameMessage(CorpusMessage expected, byte[] delivered, string path)
    {
        byte[] body = StripTrace(delivered);
        byte[] original = expected.Bytes;
        if (!HasField(original, "message-id:")) body = RemoveAddedField(body, "Message-ID:");
        if (!HasField(original, "date:")) body = RemoveAddedField(body, "Date:");
        if (!body.AsSpan().SequenceEqual(original))
        {
            int at = 0;
            while (at < body.Length && at < original.Length && body[at] == original[at]) at++;
            Assert.Fail(path + ": " + expected.Name + " differs at byte " + at + " of " + original.Length + " (got " + body.Length +
                        " bytes): expected ..." + Show(original, at) + "... got ..." + Show(body, at) + "...");
        }
    }

    /// <summary>The message without the trace fields (each possibly folded) at its top.</summary>
    public static byte[] StripTrace(byte[] message)
    {
        int at = 0;
        while (true)
        {
            int end = FieldEnd(message, at);
            string name = Encoding.Latin1.GetString(message, at, Math.Min(16, message.Length - at)).ToLowerInvariant();
            if (!TraceFields.Any(name.StartsWith)) return message[at..];
            at = end;
        }
    }

    private static byte[] RemoveAddedField(byte[] message, string field)
    {
        // Added where the header section ends: the last field before the empty line.
        string text = Encoding.Latin1.GetString(message);
        int headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        int start = text.LastIndexOf("\r\n" + field, headerEnd + 2, StringComparison.OrdinalIgnoreCase);
        Assert.True(start >= 0, field + " was not added");
        int end = FieldEnd(message, start + 2);
        return message[..(start + 2)].Concat(message[end..]).ToArray();
    }

    // The offset after the field that starts at `at`, its folded continuation lines included.
    private static int FieldEnd(byte[] m, int at)
    {
        int i = at;
        while (true)
        {
            int lf = Array.IndexOf(m, (byte)'\n', i);
            if (lf < 0) return m.Length;
            i = lf + 1;
            if (i >= m.Length || (m[i] != ' ' && m[i] != '\t')) return i;
        }
    }

    public static bool HasField(byte[] message, string name)
    {
        string text = Encoding.Latin1.GetString(message, 0, Math.Min(message.Length, 64 * 1024)).ToLowerInvariant();
        int headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return text.StartsWith(name) || text.Substring(0, headerEnd).Contains("\r\n" + name);
    }

    private static string Show(byte[] bytes, int at) =>
        Encoding.Latin1.GetString(bytes, Math.Max(0, at - 20), Math.Min(60, bytes.Length - Math.Max(0, at - 20))).Replace("\r", "\\r").Replace("\n", "\\n");
}
