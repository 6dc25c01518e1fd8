// The console's save is the one write to the configuration file: a crash in the middle of one must
// leave the old file or the new one, never a broken one, or the next start would fail. A real
// mailgw process saves a new file again and again over its console and is killed (SIGKILL) at a
// random moment; each time the file must parse and hold one of the values saved, and the gateway
// must start from it again.
using System.Net.Sockets;
using MailGateway.Core.Config;
using MailGateway.Tests.Host;

namespace MailGateway.Tests.Admin;

public sealed class SaveCrashTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "mailgw-savecrash-" + Guid.NewGuid().ToString("N"));

    public SaveCrashTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    [Fact]
    public async Task AKillDuringSave_LeavesTheOldFileOrTheNew_AndTheGatewayStartsFromIt()
    {
        string config = Path.Combine(_dir, "mailgw.conf");
        int console = MailgwProcess.FreePort();
        // A long file, so that a save takes long enough to be caught in the middle.
        string padding = string.Concat(Enumerable.Range(0, 400).Select(i => "# comment line " + i + " " + new string('x', 60) + "\n"));
        File.WriteAllText(config, padding + "hostname = h0.test\nsmtp.listen = 127.0.0.1:" + MailgwProcess.FreePort() + "\n" +
                                  "spool.dir = " + Path.Combine(_dir, "spool") + "\nconsole.listen = 127.0.0.1:" + console + "\n");
        var random = new Random(11);
        var saved = new HashSet<string> { "h0.test" };
        for (int round = 1; round <= 8; round++)
        {
            using var gateway = MailgwProcess.Run(config);
            using (var tcp = new TcpClient())
            {
                tcp.Connect("127.0.0.1", console);
                var stream = tcp.GetStream();
                ConsoleLine.ReadUntil(stream, "mailgw> ");
                // Saves one after the other for a good while (typed by a task: the console reads a
                // command only once the last answer is out, so typing all and reading none would
                // stall); the kill lands somewhere among them.
                var names = Enumerable.Range(0, 400).Select(k => "h" + round + "-" + k + ".test").ToList();
                saved.UnionWith(names);
                var typing = Task.Run(() =>
                {
                    try
                    {
                        foreach (string name in names)
                        {
                            ConsoleLine.Write(stream, "set hostname " + name);
                            ConsoleLine.Write(stream, "save");
                        }
                    }
                    catch (IOException)
                    {
                        // the gateway was killed meanwhile
                    }
                });
                Assert.Contains("ok: 1 change(s) saved", ConsoleLine.ReadUntil(stream, "reload applies them\r\nmailgw> ")); // saving has begun
                var reading = Task.Run(() =>
                {
                    try
                    {
                        ConsoleLine.ReadUntil(stream, null);
                    }
                    catch (IOException)
                    {
                    }
                });
                await Task.Delay(random.Next(0, 200));
                gateway.Crash();
                await Task.WhenAll(typing, reading).WaitAsync(TimeSpan.FromSeconds(30));
            }
            var parsed = new GatewayConfig();
            string text = File.ReadAllText(config);
            Assert.Null(ConfigParser.Apply(text, config, parsed));
            Assert.Contains(parsed.Hostname, saved);
            Assert.StartsWith(padding, text); // the comments survive every save
        }
        using var again = MailgwProcess.Run(config); // and it starts from what the last crash left
        Assert.Contains(again.Output, l => l.Contains("(SMTP) as h"));
    }
}
