// Every corpus message through every delivery path, over real sockets, byte for byte (issue:
// "no test world smaller than the field's"). Gateway A takes the message from a device on
// loopback and passes it on to gateway B, the mailbox host of home.test, by one of:
//   mx         DNS (a real dnslib server) says home.test's MX is B;
//   route      route.home.test = B;
//   smarthost  relay.smarthost = B with STARTTLS and AUTH;
//   implicit   relay.smarthost = B's port for TLS from the first byte, with AUTH;
// B and the mx and smarthost A gateways move data in a host's 16 KiB steps (limits.io_buffer),
// route and implicit in a board's 1 KiB. B keeps it in each recipient's mailbox, and MailKit's Pop3Client fetches it (RETR, and TOP for
// the header) over plain POP3, STLS or implicit TLS. The fetched bytes must be the corpus file
// plus the trace fields. The bounce path sends to an unknown user at B: A's bounce lands in the
// sender's mailbox at A and must quote the original header exactly.
// Each wait is bounded (60 s; a 10 MiB message takes well under a second here), never a timing
// assertion.
using MailGateway.Core.Config;
using MailGateway.Tests.Dns;
using MailGateway.Tests.Host;
using MailKit.Net.Pop3;
using MailKit.Security;
using MimeKit;

namespace MailGateway.Tests.Corpus;

public sealed class CorpusWorld : IDisposable
{
    public const string B_Address = "127.0.0.31";
    public const int Smtp = 0, SmtpTls = 1, Pop3 = 2, Pop3Tls = 3;
    private const int HostIoBuffer = MailGateway.Emulator.ConfigFile.HostIoBufferBytes;
    public static readonly string[] Senders = { "cam2", "nas", "scan", "joerg", "printer", "ha", "news", "ups" };

    public readonly ZoneServer Dns;
    public readonly LoopbackGateway B;
    public readonly Dictionary<string, LoopbackGateway> A = new Dictionary<string, LoopbackGateway>();

    public CorpusWorld()
    {
        Dns = new ZoneServer("$TTL 300\nhome.test. IN MX 10 mx.home.test.\nmx.home.test. IN A " + B_Address + "\n");
        var users = new List<string> { "relay:relay-secret" };
        foreach (var m in MailCorpus.All)
            foreach (string l in m.LocalParts)
                if (!users.Contains(l + ":pw-" + l)) users.Add(l + ":pw-" + l);
        B = new LoopbackGateway(c =>
        {
            c.Hostname = "mx.home.test";
            c.SmtpListen = new[] { new ListenEndpoint(B_Address, 0) };
            c.SmtpListenTls = new[] { new ListenEndpoint(B_Address, 0) };
            c.Pop3Listen = new[] { new ListenEndpoint(B_Address, 0) };
            c.Pop3ListenTls = new[] { new ListenEndpoint(B_Address, 0) };
            c.Pop3AuthPlaintext = true;
            c.LocalDomains = new[] { "home.test" };
            c.Aliases = new[] { new Alias("postmaster", new[] { "admin" }) };
            c.RelayAllow = new MailGateway.Core.Relay.CidrRange[0];
            c.IoBufferBytes = HostIoBuffer;
        }, deliver: true, users: users.ToArray());
        A["mx"] = Gateway("127.0.0.41", c =>
        {
            c.DnsServers = new[] { Dns.Server };
            c.DeliveryPort = B.Port;
            c.IoBufferBytes = HostIoBuffer;
        });
        A["route"] = Gateway("127.0.0.42", c =>
        {
            c.Routes = new[] { new Route("home.test", new HostPort(B_Address, B.Port)) };
            c.LocalDomains = new[] { "lan.test" };
            c.Aliases = new[] { new Alias("postmaster", new[] { "ups" }) };
            c.Pop3Listen = new[] { new ListenEndpoint("127.0.0.42", 0) };
            c.Pop3AuthPlaintext = true;
        }, Senders.Select(s => s + ":pw-" + s).ToArray());
        A["smarthost"] = Gateway("127.0.0.43", c =>
        {
            Smarthost(c, B.Port, TlsMode.StartTls);
            c.IoBufferBytes = HostIoBuffer;
        });
        A["implicit"] = Gateway("127.0.0.44", c => Smarthost(c, B.ListenerPort(SmtpTls), TlsMode.Implicit));
    }

    private static void Smarthost(GatewayConfig c, int port, int tls)
    {
        c.Smarthost = new HostPort(B_Address, port);
        c.SmarthostTls = tls;
        c.SmarthostVerify = false; // B's certificate is self-signed
        c.SmarthostUser = "relay";
        c.SmarthostPassword = "relay-secret";
    }

    private static LoopbackGateway Gateway(string address, Action<GatewayConfig> configure, string[] users = null)
    {
        return new LoopbackGateway(c =>
        {
            c.Hostname = "gw.lan.test";
            c.SmtpListen = new[] { new ListenEndpoint(address, 0) };
            configure(c);
        }, deliver: true, users: users);
    }

    public void Dispose()
    {
        foreach (var gw in A.Values) gw.Dispose();
        B.Dispose();
        Dns.Dispose();
    }
}

public sealed class CorpusPathTests : IClassFixture<CorpusWorld>
{
    private const int WaitSeconds = 60;
    private readonly CorpusWorld _w;

    public CorpusPathTests(CorpusWorld world) => _w = world;

    public static IEnumerable<object[]> Cases()
    {
        foreach (string path in new[] { "mx", "route", "smarthost", "implicit" })
            foreach (var m in MailCorpus.All)
                yield return new object[] { path, m.Name };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CorpusMessage_ArrivesInEveryMailbox_ByteForByte(string path, string name)
    {
        var m = MailCorpus.Get(name);
        LoopbackGateway a = _w.A[path];
        RawSubmit.Send(a.Address, a.Port, m.Sender, m.LocalParts.Select(l => l + "@home.test").ToArray(), m.Bytes);
        // Plain POP3 after the plaintext relays, TLS after the TLS ones (STLS, then implicit).
        int listener = path == "implicit" ? CorpusWorld.Pop3Tls : CorpusWorld.Pop3;
        var tls = path == "implicit" ? SecureSocketOptions.SslOnConnect
                : path == "smarthost" ? SecureSocketOptions.StartTls : SecureSocketOptions.None;
        foreach (string user in m.LocalParts)
        {
            byte[] delivered = Fetch(_w.B, listener, tls, user, "pw-" + user, out byte[] top, a);
            MailCorpus.AssertSameMessage(m, delivered, path + " to " + user);
            // TOP n 0 (RFC 1939 §7): the header and the empty line, exactly as RETR gives them.
            int headerEnd = IndexOf(delivered, "\r\n\r\n"u8) + 4;
            Assert.Equal(delivered[..headerEnd], top);
        }
    }

    [Theory]
    [MemberData(nameof(MailCorpus.Names), MemberType = typeof(MailCorpus))]
    public void UnknownRecipient_BouncesToTheSender_QuotingTheOriginalHeader(string name)
    {
        var m = MailCorpus.Get(name);
        LoopbackGateway a = _w.A["route"];
        RawSubmit.Send(a.Address, a.Port, m.Sender, new[] { "nobody-" + name + "@home.test" }, m.Bytes);
        string sender = m.Sender.Split('@')[0];
        byte[] bounce = Fetch(a, 1, SecureSocketOptions.None, sender, "pw-" + sender, out _, a);
        var report = MimeMessage.Load(new MemoryStream(bounce));
        Assert.Equal("multipart/report", report.Body.ContentType.MimeType);
        var parts = ((Multipart)report.Body).ToList();
        var status = parts.Single(p => p.ContentType.MimeType == "message/delivery-status");
        Assert.Contains("Status: 5.1.1", Text(status));
        // The part's bytes as they are on the wire (a MIME library would normalize line ends).
        string boundary = report.Body.ContentType.Boundary;
        int start = IndexOf(bounce, "Content-Type: text/rfc822-headers\r\n\r\n"u8) + 37;
        int end = start + IndexOf(bounce[start..], System.Text.Encoding.ASCII.GetBytes("\r\n--" + boundary)) + 2;
        byte[] quoted = bounce[start..end];
        byte[] expected = HeaderOf(m.Bytes);
        byte[] got = MailCorpus.StripTrace(quoted);
        if (!MailCorpus.HasField(m.Bytes, "message-id:") || !MailCorpus.HasField(m.Bytes, "date:"))
        {
            Assert.Equal(expected, got[..expected.Length]);       // Message-ID and Date were added after them
            Assert.Contains("Message-ID: <", System.Text.Encoding.Latin1.GetString(got[expected.Length..]));
        }
        else
        {
            Assert.Equal(expected, got[..Math.Min(got.Length, expected.Length)]);
        }
    }

    private static byte[] HeaderOf(byte[] message)
    {
        int end = IndexOf(message, "\r\n\r\n"u8);
        return message[..(end + 2)];
    }

    private static string Text(MimeEntity part)
    {
        using var stream = new MemoryStream();
        part.WriteTo(stream, true);
        return System.Text.Encoding.Latin1.GetString(stream.ToArray());
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);

    // Waits (bounded) until the user's mailbox holds a message, fetches it with RETR and its
    // header with TOP, deletes it, and returns its bytes.
    private static byte[] Fetch(LoopbackGateway gw, int listener, SecureSocketOptions tls, string user, string password,
                                out byte[] top, LoopbackGateway first)
    {
        var deadline = DateTime.UtcNow.AddSeconds(WaitSeconds);
        while (true)
        {
            using var pop = new Pop3Client { Timeout = WaitSeconds * 1000, ServerCertificateValidationCallback = (_, _, _, _) => true };
            pop.Connect(gw.Address, gw.ListenerPort(listener), tls);
            pop.Authenticate(user, password);
            if (pop.Count > 0)
            {
                byte[] message = Read(pop.GetStream(0));
                top = Read(pop.GetStream(0, headersOnly: true));
                pop.DeleteMessage(0);
                pop.Disconnect(true);
                return message;
            }
            pop.Disconnect(true);
            Assert.True(DateTime.UtcNow < deadline, "nothing reached " + user + "'s mailbox in " + WaitSeconds + " s:\n" +
                        string.Join("\n", first.LogLines().TakeLast(30)) + "\n--- B ---\n" + string.Join("\n", gw.LogLines().TakeLast(30)));
            Thread.Sleep(50);
        }
    }

    private static byte[] Read(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
