// The console of a real mailgw process, used as people and scripts use it: mail from MailKit that
// cannot be delivered yet (a camera snapshot of 1.5 MiB, a message to a hundred recipients), then
// `mailgw queue --json` parsed, show, hold, release and delete through the command line, exit
// codes that tell a script what went wrong, and a person's session over TCP (password, status,
// queue, flush, delete, quit).
using System.Net.Sockets;
using System.Text.Json;
using MailGateway.Tests.Host;
using MailKit.Net.Smtp;
using MimeKit;

namespace MailGateway.Tests.Admin;

public class QueueCommandTests : IDisposable
{
    private const string Password = "console pass 7";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mailgw-queue-" + Guid.NewGuid().ToString("N"));
    private readonly int _smtpPort = MailgwProcess.FreePort();
    private readonly int _consolePort = MailgwProcess.FreePort();
    private readonly string _config;

    public QueueCommandTests()
    {
        Directory.CreateDirectory(_dir);
        _config = Path.Combine(_dir, "mailgw.conf");
        File.WriteAllText(_config,
            "hostname = gw.queue.test\n" +
            "smtp.listen = 127.0.0.1:" + _smtpPort + "\n" +
            "spool.dir = " + Path.Combine(_dir, "spool") + "\n" +
            // Everything stays queued: the smarthost is a loopback port where nothing listens.
            "relay.smarthost = 127.0.0.1:" + MailgwProcess.FreePort() + "\n" +
            "relay.smarthost_tls = none\n" +
            "console.listen = 127.0.0.1:" + _consolePort + "\n" +
            "console.password = " + Password + "\n");
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private void Send(string from, IEnumerable<string> to, string subject, byte[] attachment)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        foreach (string r in to) message.To.Add(MailboxAddress.Parse(r));
        message.Subject = subject;
        var body = new BodyBuilder { TextBody = "Motion at the gate, " + subject };
        if (attachment != null) body.Attachments.Add("snapshot.jpg", attachment, new ContentType("image", "jpeg"));
        message.Body = body.ToMessageBody();
        using var client = new SmtpClient { Timeout = 30_000 };
        client.Connect("127.0.0.1", _smtpPort, MailKit.Security.SecureSocketOptions.None);
        client.Send(message);
        client.Disconnect(true);
    }

    private string Mailgw(string arguments, out int exit)
    {
        exit = MailgwProcess.RunToEnd(arguments, out string output);
        return output;
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void QueueCommands_ListAsJson_Show_Hold_Release_Delete_WithExitCodesForScripts()
    {
        string spool = Path.Combine(_dir, "spool");
        Directory.CreateDirectory(spool);
        File.SetUnixFileMode(spool, (UnixFileMode)0x1ED); // 0755, as an administrator may have made it
        using var gateway = MailgwProcess.Run(_config);
        var snapshot = new byte[1536 * 1024];
        new Random(5).NextBytes(snapshot);
        Send("camera@lan.test", new[] { "ops@far.test" }, "snapshot", snapshot);
        var hundred = Enumerable.Range(0, 100).Select(i => "member" + i + "@far.test").ToList();
        Send("alarm@lan.test", hundred, "to everyone", null);

        string json = Mailgw("queue --json --config " + _config, out int exit);
        Assert.True(exit == 0, json);
        using var doc = JsonDocument.Parse(json);
        var messages = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, messages.Count);
        var camera = messages.Single(m => m.GetProperty("sender").GetString() == "camera@lan.test");
        var alarm = messages.Single(m => m.GetProperty("sender").GetString() == "alarm@lan.test");
        Assert.InRange(camera.GetProperty("size").GetInt64(), 2_000_000, 2_200_000); // base64 of 1.5 MiB
        Assert.Equal(hundred, alarm.GetProperty("recipients").EnumerateArray().Select(r => r.GetProperty("address").GetString()));
        Assert.All(alarm.GetProperty("recipients").EnumerateArray(), r => Assert.Equal("pending", r.GetProperty("state").GetString()));
        string id = camera.GetProperty("id").GetString();
        string other = alarm.GetProperty("id").GetString();
        // Mail is for the gateway's user only: the folder narrowed to 0700, every file 0600.
        Assert.Equal((UnixFileMode)0x1C0, File.GetUnixFileMode(spool));
        Assert.All(Directory.GetFiles(spool), f => Assert.Equal((UnixFileMode)0x180, File.GetUnixFileMode(f)));

        string show = Mailgw("queue show " + other + " --config " + _config, out exit);
        Assert.Equal(0, exit);
        Assert.Contains("recipients (100):", show);
        Assert.Contains("member99@far.test: pending", show);

        Assert.Contains("ok: " + id + " on hold", Mailgw("queue hold " + id + " --config " + _config, out exit));
        Assert.Equal(0, exit);
        using (var held = JsonDocument.Parse(Mailgw("queue show " + id + " --json --config " + _config, out exit)))
        {
            Assert.True(held.RootElement.GetProperty("held").GetBoolean());
        }
        Assert.Contains("ok: " + id + " released", Mailgw("queue release " + id + " --config " + _config, out exit));
        Assert.Contains("ok: " + id + " deleted", Mailgw("queue delete " + id + " --config " + _config, out exit));
        Assert.Equal(0, exit);
        Assert.DoesNotContain(Directory.GetFiles(Path.Combine(_dir, "spool")), f => f.Contains(id));

        // What a script can tell apart by the exit code alone.
        Assert.Contains("no message " + id + " in the queue", Mailgw("queue show " + id + " --config " + _config, out exit));
        Assert.Equal(1, exit);
        Assert.Contains("asks for a password", Mailgw("queue --connect 127.0.0.1:" + _consolePort, out exit));
        Assert.Equal(77, exit);
        Assert.Contains("cannot reach the console", Mailgw("queue --connect 127.0.0.1:" + MailgwProcess.FreePort(), out exit));
        Assert.Equal(69, exit);
        string both = Mailgw("console --config " + _config + " -c status -c queue", out exit);
        Assert.Equal(0, exit);
        Assert.Contains("mailgw 1.0.0", both);
        Assert.Contains("-- 1 message(s)", both);
    }

    [Fact]
    public void APerson_LogsIn_LooksAtTheQueue_FlushesAndDeletes_OverTcp()
    {
        using var gateway = MailgwProcess.Run(_config);
        Send("printer@lan.test", new[] { "office@far.test" }, "toner low", null);
        Send("nas@lan.test", new[] { "admin@far.test" }, "disk full", null);

        using var tcp = new TcpClient();
        tcp.Connect("127.0.0.1", _consolePort);
        tcp.ReceiveTimeout = 30_000;
        var stream = tcp.GetStream();
        Assert.Equal("MailGateway console on gw.queue.test (mailgw " + MailGateway.Emulator.Program.Version + ")\r\npassword: ", ConsoleLine.ReadUntil(stream, "password: "));
        ConsoleLine.Write(stream, Password);
        Assert.Equal("mailgw> ", ConsoleLine.ReadUntil(stream, "mailgw> "));
        ConsoleLine.Write(stream, "status");
        string status = ConsoleLine.ReadUntil(stream, "mailgw> ");
        Assert.Contains("listening: 127.0.0.1:" + _consolePort + " (console)", status);
        Assert.Contains("queue: ", status);
        ConsoleLine.Write(stream, "queue");
        string listing = ConsoleLine.ReadUntil(stream, "mailgw> ");
        var ids = System.Text.RegularExpressions.Regex.Matches(listing, @"(?m)^([0-9A-V]{8}) ").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(2, ids.Count);
        Assert.Contains("nas@lan.test", listing);
        Assert.Contains("admin@far.test: pending, 1 attempt(s), next in", listing);
        ConsoleLine.Write(stream, "queue flush");
        Assert.Equal("ok: every deferred message is due now\r\nmailgw> ", ConsoleLine.ReadUntil(stream, "mailgw> "));
        ConsoleLine.Write(stream, "queue delete " + ids[0]);
        string deleted = ConsoleLine.ReadUntil(stream, "mailgw> ");
        // The flush may have a delivery attempt running on it right now: then it says so, and a moment later it works.
        for (int i = 0; i < 50 && deleted.Contains("being delivered right now"); i++)
        {
            Thread.Sleep(100);
            ConsoleLine.Write(stream, "queue delete " + ids[0]);
            deleted = ConsoleLine.ReadUntil(stream, "mailgw> ");
        }
        Assert.Equal("ok: " + ids[0] + " deleted\r\nmailgw> ", deleted);
        ConsoleLine.Write(stream, "log 3");
        Assert.Contains(ids[0] + ": deleted by the operator", ConsoleLine.ReadUntil(stream, "mailgw> "));
        ConsoleLine.Write(stream, "quit");
        Assert.Equal("bye\r\n", ConsoleLine.ReadUntil(stream, null));
        Assert.True(gateway.WaitForLine(l => l.Contains("console: unknown[127.0.0.1]: queue delete " + ids[0]), TimeSpan.FromSeconds(10)));
    }
}
