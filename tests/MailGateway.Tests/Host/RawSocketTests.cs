// Byte-exact dialogs over a real socket, for what a library client would never send: smuggling
// attempts and protocol abuse must behave on the wire as they do in the pure session.
using System.Net.Sockets;
using System.Text;
using MailGateway.Tests.Runtime;

namespace MailGateway.Tests.Host;

public class RawSocketTests
{
    private static string Exchange(LoopbackGateway gw, string send)
    {
        using var tcp = new TcpClient();
        tcp.Connect("127.0.0.1", gw.Port);
        tcp.ReceiveTimeout = 20_000;
        var stream = tcp.GetStream();
        byte[] bytes = Encoding.ASCII.GetBytes(send);
        stream.Write(bytes, 0, bytes.Length);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        int n;
        while ((n = stream.Read(buffer, 0, buffer.Length)) > 0) received.Write(buffer, 0, n); // until the server closes
        return Encoding.ASCII.GetString(received.ToArray());
    }

    [Fact]
    public void SmugglingWithBareLf_IsRefusedAndTheSmuggledMessageNeverQueued()
    {
        using var gw = new LoopbackGateway();
        string replies = Exchange(gw,
            "EHLO client.test\r\nMAIL FROM:<a@lan.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n" +
            "Subject: first\r\n\r\nhello\n.\r\nMAIL FROM:<admin@bank.test>\r\nRCPT TO:<victim@example.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n.\r\nQUIT\r\n");
        string[] lines = replies.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("354 ", lines[^2]);
        Assert.StartsWith("521 5.5.2 ", lines[^1]);
        Assert.Empty(SpoolContents.ReadAll(gw.Storage));
    }

    [Fact]
    public void PipelinedSession_GetsEveryReplyInOrder()
    {
        using var gw = new LoopbackGateway();
        string replies = Exchange(gw,
            "EHLO client.test\r\nMAIL FROM:<a@lan.test>\r\nRCPT TO:<b@example.test>\r\nRCPT TO:<c@example.test>\r\nDATA\r\n" +
            "Subject: one\r\n\r\nbody\r\n.\r\nRSET\r\nQUIT\r\n");
        string[] codes = replies.Split("\r\n", StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l[3] == ' ').Select(l => l.Substring(0, 3)).ToArray();
        Assert.Equal(new[] { "220", "250", "250", "250", "250", "354", "250", "250", "221" }, codes);
        Assert.Single(SpoolContents.ReadAll(gw.Storage));
    }

    [Fact]
    public void HttpRequest_IsAnswered521AndClosed()
    {
        using var gw = new LoopbackGateway();
        string replies = Exchange(gw, "GET / HTTP/1.1\r\nHost: gw\r\n\r\n");
        Assert.EndsWith("521 This is an SMTP server, not a web server\r\n", replies); // no EHLO: no enhanced code
    }
}
