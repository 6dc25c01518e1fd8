// Submits a message's exact bytes over a real socket, as a device's SMTP stack does: EHLO, MAIL,
// one RCPT per recipient, DATA, the body dot-stuffed (RFC 5321 §4.5.2) and sent in large writes,
// the final dot, QUIT. Library clients re-serialize MIME; this one sends the corpus byte for byte.
// Every reply is checked; the queue ID from the final 250 is returned.
using System.Net.Sockets;
using System.Text;

namespace MailGateway.Tests.Corpus;

public static class RawSubmit
{
    public static string Send(string host, int port, string sender, string[] recipients, byte[] message, int timeoutMs = 60_000)
    {
        using var tcp = new TcpClient();
        tcp.Connect(host, port);
        tcp.ReceiveTimeout = timeoutMs;
        tcp.SendTimeout = timeoutMs;
        var stream = tcp.GetStream();
        var reader = new Replies(stream);
        reader.Expect("220");
        Write(stream, "EHLO corpus.lan.test\r\n");
        reader.Expect("250");
        Write(stream, "MAIL FROM:<" + sender + ">\r\n");
        reader.Expect("250");
        foreach (string r in recipients)
        {
            Write(stream, "RCPT TO:<" + r + ">\r\n");
            reader.Expect("250");
        }
        Write(stream, "DATA\r\n");
        reader.Expect("354");
        byte[] stuffed = DotStuff(message);
        for (int at = 0; at < stuffed.Length; at += 256 * 1024) stream.Write(stuffed, at, Math.Min(256 * 1024, stuffed.Length - at));
        Write(stream, ".\r\n");
        string done = reader.Expect("250");
        Write(stream, "QUIT\r\n");
        reader.Expect("221");
        int q = done.LastIndexOf("queued as ", StringComparison.Ordinal);
        return q < 0 ? "" : done.Substring(q + 10).Trim();
    }

    public static byte[] DotStuff(byte[] message)
    {
        var output = new MemoryStream(message.Length + message.Length / 50);
        bool lineStart = true;
        foreach (byte b in message)
        {
            if (lineStart && b == '.') output.WriteByte((byte)'.');
            output.WriteByte(b);
            lineStart = b == '\n';
        }
        return output.ToArray();
    }

    private static void Write(NetworkStream stream, string line)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(line);
        stream.Write(bytes, 0, bytes.Length);
    }

    private sealed class Replies
    {
        private readonly NetworkStream _stream;
        private readonly List<byte> _pending = new List<byte>();

        public Replies(NetworkStream stream) => _stream = stream;

        public string Expect(string code)
        {
            string reply = Next();
            Assert.True(reply.StartsWith(code), "expected " + code + ", got: " + reply);
            return reply;
        }

        // One whole reply (all its lines), without the last CRLF.
        private string Next()
        {
            var lines = new StringBuilder();
            while (true)
            {
                string line = Line();
                lines.Append(line);
                if (line.Length < 4 || line[3] != '-') return lines.ToString();
                lines.Append('\n');
            }
        }

        private string Line()
        {
            var buffer = new byte[1024];
            while (true)
            {
                int lf = _pending.IndexOf((byte)'\n');
                if (lf >= 0)
                {
                    string line = Encoding.Latin1.GetString(_pending.GetRange(0, lf + 1).ToArray()).TrimEnd('\r', '\n');
                    _pending.RemoveRange(0, lf + 1);
                    return line;
                }
                int n = _stream.Read(buffer, 0, buffer.Length);
                if (n <= 0) throw new IOException("the server closed the connection");
                _pending.AddRange(buffer.AsSpan(0, n).ToArray());
            }
        }
    }
}
