// A person at the console over TCP, for the tests: a line typed, and what the gateway says up to a
// prompt (or, with null, until it closes the connection).
using System.Net.Sockets;
using System.Text;

namespace MailGateway.Tests.Admin;

internal static class ConsoleLine
{
    public static void Write(NetworkStream stream, string line)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(line + "\r\n");
        stream.Write(bytes, 0, bytes.Length);
    }

    public static string ReadUntil(NetworkStream stream, string end)
    {
        var text = new StringBuilder();
        var buffer = new byte[4096];
        while (end == null || !text.ToString().EndsWith(end, StringComparison.Ordinal))
        {
            int n = stream.Read(buffer, 0, buffer.Length);
            if (n <= 0)
            {
                if (end == null) break;
                throw new IOException("the console closed the connection; so far: " + text);
            }
            text.Append(Encoding.UTF8.GetString(buffer, 0, n));
        }
        return text.ToString();
    }
}
