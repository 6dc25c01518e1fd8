// The promise behind every 250: a mailgw process is killed (SIGKILL) while clients stream mail to
// it; after a restart every message that was answered 250 is in the spool, whole.
using MailGateway.Emulator.Platform;
using MailGateway.Tests.Runtime;
using MailKit.Net.Smtp;
using MimeKit;

namespace MailGateway.Tests.Host;

public class CrashTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mailgw-crash-" + Guid.NewGuid().ToString("N"));

    public CrashTests()
    {
        Directory.CreateDirectory(_dir);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private string WriteConfig(int port)
    {
        string file = Path.Combine(_dir, "mailgw.conf");
        File.WriteAllText(file,
            "hostname = gw.crash.test\n" +
            "smtp.listen = 127.0.0.1:" + port + "\n" +
            "spool.dir = " + Path.Combine(_dir, "spool") + "\n" +
            // Keep every message queued, and never ask the machine's resolver: delivery goes to a
            // loopback port where nothing listens, DNS to a loopback server that is not there.
            "route.example.test = 127.0.0.1:" + MailgwProcess.FreePort() + "\n" +
            "dns.servers = 127.0.0.1:" + MailgwProcess.FreePort() + "\n");
        return file;
    }

    [Fact]
    public async Task Sigkill_WhileClientsStream_LosesNoAcknowledgedMessage()
    {
        int port = MailgwProcess.FreePort();
        string config = WriteConfig(port);
        var acknowledged = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        using (var gateway = MailgwProcess.Run(config))
        {
            using var stop = new CancellationTokenSource();
            var clients = Enumerable.Range(0, 4).Select(c => Task.Run(() =>
            {
                try
                {
                    using var client = new SmtpClient { Timeout = 20_000 };
                    client.Connect("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
                    for (int m = 0; m < 200 && !stop.IsCancellationRequested; m++)
                    {
                        string text = "client " + c + " message " + m + "\n" + new string((char)('a' + m % 26), 2000 + 700 * (m % 7));
                        var message = new MimeMessage();
                        message.From.Add(MailboxAddress.Parse("dev" + c + "@lan.test"));
                        message.To.Add(MailboxAddress.Parse("ops@example.test"));
                        message.Subject = "c" + c + " m" + m;
                        message.Body = new TextPart("plain") { Text = text };
                        string response = client.Send(message);
                        acknowledged[response.Substring(response.Length - 8)] = text;
                    }
                }
                catch (Exception e) when (e is IOException || e is SmtpProtocolException || e is SmtpCommandException ||
                                          e is System.Net.Sockets.SocketException || e is OperationCanceledException)
                {
                    // The gateway died under this client: expected.
                }
            })).ToArray();

            // Let a good number of messages through, then kill the process mid-stream.
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (acknowledged.Count < 40 && DateTime.UtcNow < deadline) await Task.Delay(20);
            Assert.True(acknowledged.Count >= 40, "clients made no progress:\n" + string.Join("\n", gateway.Output));
            gateway.Crash();
            stop.Cancel();
            await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(60));
        }

        using (var restarted = MailgwProcess.Run(config))
        {
            // The card is checked in the background after the gateway listens.
            Assert.True(restarted.WaitForLine(l => l.Contains("spool: ") && l.Contains(" queued message(s)"), TimeSpan.FromSeconds(60)),
                        string.Join("\n", restarted.Output));
            Assert.DoesNotContain(restarted.Output, l => l.Contains("quarantined"));
            Assert.Equal(0, restarted.Terminate());
            Assert.Contains(restarted.Output, l => l.EndsWith(": stopped"));
        }

        using var storage = new HostStorage(Path.Combine(_dir, "spool"));
        var stored = SpoolContents.ReadAll(storage).ToDictionary(m => m.Envelope.QueueId);
        Assert.Empty(SpoolContents.Names(storage, ".TMP"));
        foreach (var (id, text) in acknowledged)
        {
            Assert.True(stored.ContainsKey(id), "message " + id + " was answered 250 but is not in the spool");
            var parsed = MimeMessage.Load(new MemoryStream(stored[id].Body));
            Assert.Equal(text, parsed.TextBody.Replace("\r\n", "\n").TrimEnd('\n'));
        }
    }
}
