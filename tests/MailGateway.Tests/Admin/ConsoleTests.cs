// The console through the loop, on the simulated network, as transcripts: the login dialog, the
// commands a person uses to look after the queue (queue, show, flush, delete, hold, release,
// status, log), the script mode programs use, and long output produced as the client reads it.
using System.Text.Json;
using System.Text.RegularExpressions;
using MailGateway.Core.Config;
using MailGateway.Core.Console;
using MailGateway.Emulator.Simulation;
using MailGateway.Tests.Runtime;

namespace MailGateway.Tests.Admin;

public class ConsoleTests
{
    private const int ConsolePort = 2323;

    private static SimulatedGateway Gateway(string password = null, Action<GatewayConfig> configure = null)
    {
        var config = SimulatedGateway.DefaultConfig();
        config.ConsoleListen = new[] { new ListenEndpoint(SimulatedGateway.ListenAddress, ConsolePort) };
        config.ConsolePassword = password;
        configure?.Invoke(config);
        return new SimulatedGateway(config);
    }

    private static SimulatedClient Open(SimulatedGateway gw, string from = "127.0.0.1")
    {
        var client = gw.Network.Connect(SimulatedGateway.ListenAddress, ConsolePort, from);
        gw.Settle();
        return client;
    }

    // Logged in (no password) and greeted: the prompt is there.
    private static SimulatedClient LoggedIn(SimulatedGateway gw)
    {
        var client = Open(gw);
        Assert.Equal("MailGateway console on gw.local.test (mailgw ?)\r\nmailgw> ", client.ReadNew());
        return client;
    }

    // Three deferred messages (far.test answers 451), each to two recipients.
    private static List<string> DeferredMail(SimulatedGateway gw, int count = 3)
    {
        gw.Deliveries.Defer("far.test", "451 4.7.1 Greylisted, try again later");
        var ids = new List<string>();
        for (int i = 0; i < count; i++)
        {
            ids.Add(gw.Queue("cam" + i + "@relay.test", new[] { "bob@far.test", "ann@far.test" }, "Subject: motion " + i + "\r\n\r\nsnapshot\r\n"));
            gw.Settle();
        }
        return ids;
    }

    [Fact]
    public void WithAPassword_AWrongOneIsAnsweredLate_AndTheThirdEndsTheSession()
    {
        var gw = Gateway(password: "s3cret pass");
        var client = Open(gw);
        Assert.Equal("MailGateway console on gw.local.test (mailgw ?)\r\npassword: ", client.ReadNew());
        Assert.Equal("", gw.Say(client, "status\r\n")); // taken as a password: wrong, and no answer yet
        gw.Clock.Advance(ConsoleSession.FailureDelayMs - 1);
        gw.Settle();
        Assert.Equal("", client.ReadNew());
        gw.Clock.Advance(1);
        gw.Settle();
        Assert.Equal("login failed\r\npassword: ", client.ReadNew());
        gw.Say(client, "S3cret pass\r\n");
        gw.Clock.Advance(ConsoleSession.FailureDelayMs);
        gw.Settle();
        Assert.Equal("login failed\r\npassword: ", client.ReadNew());
        gw.Say(client, "s3cret\r\n");
        gw.Clock.Advance(ConsoleSession.FailureDelayMs);
        gw.Settle();
        Assert.Equal("login failed; goodbye\r\n", client.ReadNew());
        Assert.True(client.ServerClosed);
        Assert.Contains(gw.Log, l => l.Contains("warning: console: wrong password from 127.0.0.1"));
        Assert.DoesNotContain(gw.Log, l => l.Contains("s3cret")); // the password typed is never logged

        var second = Open(gw);
        second.ReadNew();
        Assert.Equal("mailgw> ", gw.Say(second, "s3cret pass\r\n"));
        Assert.StartsWith("status ", gw.Say(second, "help\r\n"));
    }

    [Fact]
    public void AfterFiveWrongPasswords_EvenTheRightOneIsRefusedForAWhile()
    {
        var gw = Gateway(password: "s3cret pass");
        for (int attempt = 0; attempt < 5; attempt++)
        {
            var client = Open(gw, "192.168.1.66");
            client.ReadNew();
            gw.Say(client, "guess" + attempt + "\r\n");
            gw.Clock.Advance(ConsoleSession.FailureDelayMs);
            gw.Settle();
            client.Close();
            gw.Settle();
        }
        var again = Open(gw, "192.168.1.66");
        again.ReadNew();
        gw.Say(again, "s3cret pass\r\n");
        gw.Clock.Advance(ConsoleSession.FailureDelayMs);
        gw.Settle();
        Assert.Equal("login failed\r\npassword: ", again.ReadNew());
        var elsewhere = Open(gw, "192.168.1.67"); // another address is not held back
        elsewhere.ReadNew();
        Assert.Equal("mailgw> ", gw.Say(elsewhere, "s3cret pass\r\n"));
    }

    [Fact]
    public void Queue_ListsEachMessage_WithItsRecipientsAndLastReply_AndShowGivesTheDetail()
    {
        var gw = Gateway();
        var ids = DeferredMail(gw);
        var client = LoggedIn(gw);
        string listing = gw.Say(client, "queue\r\n");
        Assert.StartsWith("Queue ID  Size       Age     Sender / recipients\r\n", listing);
        foreach (string id in ids) Assert.Matches(new Regex("(?m)^" + id + @"  \d+ B +0s +cam\d@relay\.test\r$"), listing);
        Assert.Equal(6, Regex.Matches(listing, @"(?m)^          (bob|ann)@far\.test: pending, 1 attempt\(s\), next in \d+m; last: 451 4\.7\.1 Greylisted, try again later").Count);
        Assert.EndsWith("-- 3 message(s), " + listing.Split("-- 3 message(s), ")[1].Split("\r\n")[0] + "\r\nmailgw> ", listing);

        string show = gw.Say(client, "queue show " + ids[1].ToLowerInvariant() + "\r\n");
        Assert.Contains("queue ID:  " + ids[1] + "\r\n", show);
        Assert.Contains("sender:    cam1@relay.test\r\n", show);
        Assert.Contains("recipients (2):\r\n", show);
        Assert.Equal("error: no message 00ZZZZZZ in the queue\r\nmailgw> ", gw.Say(client, "queue show 00ZZZZZZ\r\n"));
    }

    [Fact]
    public void Hold_KeepsAMessageFromDelivery_AcrossARestart_AndReleaseSendsItAtOnce()
    {
        var gw = Gateway();
        var ids = DeferredMail(gw, 1);
        var client = LoggedIn(gw);
        Assert.Equal("ok: " + ids[0] + " on hold\r\nmailgw> ", gw.Say(client, "queue hold " + ids[0] + "\r\n"));
        gw.Deliveries.Deliver("far.test");
        gw.Clock.Advance(2 * 60 * 60 * 1000); // every retry time has long passed
        gw.Settle();
        int attempts = gw.Deliveries.Attempts.Count;
        Assert.Contains("(on hold)", gw.Say(LoggedIn(gw), "queue\r\n")); // the first session has timed out meanwhile

        // The hold is on the card: a restart keeps it.
        gw.Storage.Reboot();
        var restarted = new SimulatedGateway(gw.Config, gw.Storage, gw.Clock, gw.Deliveries);
        restarted.Deliveries.Deliver("far.test");
        restarted.Clock.Advance(60 * 60 * 1000);
        restarted.Settle();
        Assert.Equal(attempts, restarted.Deliveries.Attempts.Count);
        var again = LoggedIn(restarted);
        Assert.Equal("ok: " + ids[0] + " released\r\nmailgw> ", restarted.Say(again, "queue release " + ids[0] + "\r\n"));
        restarted.Settle();
        Assert.Equal(attempts + 1, restarted.Deliveries.Attempts.Count);
        Assert.Equal("The queue is empty.", Lines(restarted.Say(again, "queue\r\n"))[1]);
    }

    [Fact]
    public void Delete_RemovesTheMessageFromTheCard_WithoutABounce_AndFlushTriesTheRestNow()
    {
        var gw = Gateway();
        var ids = DeferredMail(gw);
        var client = LoggedIn(gw);
        Assert.Equal("ok: " + ids[0] + " deleted\r\nmailgw> ", gw.Say(client, "queue delete " + ids[0] + "\r\n"));
        Assert.DoesNotContain(ids[0] + ".MSG", SpoolContents.QueueFiles(gw.Storage));
        Assert.Contains(gw.Log, l => l.Contains(ids[0] + ": deleted by the operator, 2 recipient(s) not delivered, no bounce sent"));
        Assert.Equal("error: no message " + ids[0] + " in the queue\r\nmailgw> ", gw.Say(client, "queue delete " + ids[0] + "\r\n"));

        int before = gw.Deliveries.Attempts.Count;
        gw.Deliveries.Deliver("far.test");
        Assert.Equal("ok: every deferred message is due now\r\nmailgw> ", gw.Say(client, "queue flush\r\n"));
        gw.Settle();
        var tried = gw.Deliveries.Attempts.Skip(before).Select(a => a.QueueId).Distinct().ToList();
        Assert.Equal(new[] { ids[1], ids[2] }, tried.OrderBy(x => x)); // the deleted one is never tried again
        Assert.Empty(SpoolContents.QueueFiles(gw.Storage)); // the others delivered, and no bounce was queued for the deleted one
    }

    [Fact]
    public void QueueJson_GivesOneParsableObjectPerMessage_EvenWithAHundredRecipients()
    {
        var gw = Gateway();
        gw.Deliveries.Defer("far.test");
        var recipients = Enumerable.Range(0, 100).Select(i => "user" + i + "@far.test").ToArray();
        string id = gw.Queue("cam@relay.test", recipients, "Subject: many\r\n\r\n" + new string('x', 998) + "\r\n");
        gw.Settle();
        var client = LoggedIn(gw);
        gw.Say(client, "script\r\n");
        string answer = gw.Say(client, "queue --json\r\n");
        Assert.EndsWith("\r\n.\r\n", answer);
        var lines = Lines(answer);
        using JsonDocument message = JsonDocument.Parse(lines[0]);
        Assert.Equal(id, message.RootElement.GetProperty("id").GetString());
        Assert.Equal("cam@relay.test", message.RootElement.GetProperty("sender").GetString());
        var parsed = message.RootElement.GetProperty("recipients").EnumerateArray().ToList();
        Assert.Equal(recipients, parsed.Select(r => r.GetProperty("address").GetString()));
        Assert.All(parsed, r => Assert.Equal("pending", r.GetProperty("state").GetString()));
        Assert.Equal(3, lines.Count); // the object, the end mark, and what follows the last CRLF
    }

    [Fact]
    public void ALongQueue_IsWrittenAsTheClientReads_NeverMoreThanTheOutputBuffer()
    {
        var gw = Gateway();
        var ids = DeferredMail(gw, 200);
        var client = LoggedIn(gw);
        client.ReceiveBuffer = 1500; // a slow reader: the socket takes at most this much unread
        client.Write("queue\r\n");
        var text = new System.Text.StringBuilder();
        for (int round = 0; round < 10_000 && !text.ToString().EndsWith("mailgw> "); round++)
        {
            gw.Settle();
            text.Append(client.ReadNew());
        }
        string listing = text.ToString();
        Assert.EndsWith("-- 200 message(s), " + listing.Split("-- 200 message(s), ")[1], listing);
        var listed = Regex.Matches(listing, @"(?m)^([0-9A-V]{8}) ").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(ids, listed); // each once, in arrival order
        Assert.True(listing.Length > 10 * ConsoleSession.OutputBytes); // far more than the session ever holds
    }

    [Fact]
    public void WhileAListingIsWritten_TheNextCommandWaits_ThenRuns()
    {
        var gw = Gateway();
        DeferredMail(gw, 60);
        var client = LoggedIn(gw);
        client.ReceiveBuffer = 1000;
        client.Write("queue\r\nqueue delete 00000001\r\n");
        var text = new System.Text.StringBuilder();
        for (int round = 0; round < 10_000 && !text.ToString().Contains("ok: 00000001 deleted"); round++)
        {
            gw.Settle();
            text.Append(client.ReadNew());
        }
        string all = text.ToString();
        Assert.True(all.IndexOf("-- 60 message(s)", StringComparison.Ordinal) < all.IndexOf("ok: 00000001 deleted", StringComparison.Ordinal));
    }

    [Fact]
    public void ScriptMode_EndsEachAnswerWithADot_AndDoubleADotThatStartsALine()
    {
        var settings = new ConsoleSettings { Hostname = "gw.test", Version = "1.2" };
        var session = new ConsoleSession(settings, "127.0.0.1", 0);
        session.ScriptMode = true; // as the "script" command sets it, then answers
        session.WriteLine("ok: script mode");
        session.EndCommand();
        session.WriteLine(".hidden");
        session.WriteLine("plain . dot");
        session.EndCommand();
        var bytes = new byte[4096];
        int n = MailGateway.Core.Runtime.Transmitter.Copy(session, bytes, 0, bytes.Length);
        Assert.Equal("MailGateway console on gw.test (mailgw 1.2)\r\nmailgw> ok: script mode\r\n.\r\n..hidden\r\nplain . dot\r\n.\r\n",
                     System.Text.Encoding.ASCII.GetString(bytes, 0, n));
    }

    [Fact]
    public void Status_SaysWhatAPersonNeedsToKnow()
    {
        var gw = Gateway();
        DeferredMail(gw, 2);
        var client = LoggedIn(gw);
        string status = gw.Say(client, "status\r\n");
        Assert.Matches(@"^mailgw \? on gw\.local\.test, up \d+s\r\n", status);
        Assert.Contains("listening: 127.0.0.1:25 (SMTP)\r\n", status);
        Assert.Contains("listening: 127.0.0.1:2323 (console)\r\n", status);
        Assert.Contains("sessions: 1 of 20 (SMTP, POP3 and console connections)", status);
        Assert.Contains(" 2 in memory", status);
        Assert.Matches(@"card: \d+(\.\d)? KiB of 1\.0 GiB used \(spool\.max_bytes\)", status);
        Assert.Contains("clock: set, ", status);
        Assert.Contains("internal errors: 0 in sessions, 0 in deliveries\r\n", status);
    }

    [Fact]
    public void Log_ShowsTheLastLines_AndUnknownCommandsSaySo()
    {
        var gw = Gateway(configure: c => c.ConsoleLogBytes = 1024);
        DeferredMail(gw, 6);
        var client = LoggedIn(gw);
        var lines = Lines(gw.Say(client, "log 5\r\n"));
        Assert.Equal(6, lines.Count); // five lines and the prompt
        Assert.Equal(gw.Log.TakeLast(5).ToList(), lines.Take(5).ToList());
        // "log 100": as many whole lines as 1 KiB keeps, the newest last, none cut at its start
        var kept = Lines(gw.Say(client, "log 100\r\n"));
        kept.RemoveAt(kept.Count - 1);
        Assert.InRange(kept.Count, 5, 20);
        Assert.InRange(kept.Sum(l => l.Length + 1), 600, 1024);
        Assert.Equal(gw.Log.TakeLast(kept.Count).ToList(), kept);
        Assert.Equal("console: unknown[127.0.0.1]: log 100", kept[^1]); // the command itself is logged first
        Assert.Equal("error: unknown command \"frob\"; help lists the commands\r\nmailgw> ", gw.Say(client, "frob\r\n"));
        Assert.Equal("error: usage: log [N], N a whole number of lines\r\nmailgw> ", gw.Say(client, "log many\r\n"));
    }

    [Fact]
    public void SendTest_QueuesAMessageThatGoesOutLikeAnyOther()
    {
        var gw = Gateway();
        gw.Deliveries.Defer("far.test", "451 4.7.1 Greylisted, try again later");
        var client = LoggedIn(gw);
        string said = gw.Say(client, "send test ops@far.test\r\n");
        var queued = Regex.Match(said, @"^ok: test message ([0-9A-V]{8}) to <ops@far\.test> queued; queue show \1 follows it, and log\r\nmailgw> $");
        Assert.True(queued.Success, said);
        string id = queued.Groups[1].Value;
        gw.Settle();
        string show = gw.Say(client, "queue show " + id + "\r\n");
        Assert.Contains("sender:    <> (a bounce)", show); // the null sender: a failure is logged, never bounced into the gateway
        Assert.Contains("ops@far.test: pending, 1 attempt(s)", show);
        var stored = SpoolContents.ReadAll(gw.Storage).Single(m => m.Envelope.QueueId == id);
        Assert.Contains("Subject: Test message from the mail gateway gw.local.test\r\n", stored.BodyText);
        Assert.Contains("Auto-Submitted: auto-generated\r\n", stored.BodyText);

        gw.Deliveries.Deliver("far.test");
        gw.Say(client, "queue flush\r\n");
        gw.Settle();
        Assert.Contains(gw.Log, l => l.StartsWith(id + ": to=<ops@far.test>", StringComparison.Ordinal) && l.Contains("status=sent"));
        Assert.Equal("error: \"nobody\" is not an address (user@domain)\r\nmailgw> ", gw.Say(client, "send test nobody\r\n"));
        Assert.Equal("error: usage: send test ADDRESS\r\nmailgw> ", gw.Say(client, "send ops@far.test\r\n"));
        gw.Clock.KnownFromUnixMs = long.MaxValue; // a board before SNTP: a message needs a date
        Assert.StartsWith("error: not sent: the clock is not set yet", gw.Say(client, "send test ops@far.test\r\n"));
    }

    [Fact]
    public void SendTest_OnAFullOrFailingCard_SaysSo_AndTheConsoleServesOn()
    {
        // A card whose budget a queued camera snapshot has nearly filled.
        var gw = Gateway(configure: c => c.SpoolMaxBytes = 64 * 1024);
        gw.Deliveries.Defer("far.test", "451 4.7.1 Greylisted, try again later");
        var snapshot = new System.Text.StringBuilder("Subject: motion\r\n\r\n");
        while (snapshot.Length < 62_000) snapshot.Append(new string('Q', 76)).Append("\r\n");
        gw.Queue("cam@relay.test", new[] { "ops@far.test" }, snapshot.ToString());
        var client = LoggedIn(gw);
        Assert.Equal("error: not sent: the card is full (spool.max_bytes)\r\nmailgw> ", gw.Say(client, "send test ops@far.test\r\n"));

        // A card that has turned read-only.
        var roomy = Gateway();
        var other = LoggedIn(roomy);
        roomy.Storage.FailWrites(new IOException("read-only file system"));
        Assert.Equal("error: not sent: cannot write to the card: read-only file system\r\nmailgw> ", roomy.Say(other, "send test ops@far.test\r\n"));
        Assert.Contains("queue: 0 message(s)", roomy.Say(other, "status\r\n"));
        roomy.Storage.HealWrites();
        Assert.StartsWith("ok: test message ", roomy.Say(other, "send test ops@far.test\r\n"));
        Assert.Equal(1, roomy.Gateway.Spool.Count);
    }

    [Fact]
    public void AnIdleSession_IsClosed()
    {
        var gw = Gateway();
        var client = LoggedIn(gw);
        gw.Clock.Advance(ConsoleSession.IdleTimeoutMs);
        gw.Settle();
        Assert.Equal("idle for too long; goodbye\r\n", client.ReadNew());
        Assert.True(client.ServerClosed);
    }

    [Fact]
    public void ACardThatFailsDuringAListing_IsSaid_AndTheGatewayGoesOn()
    {
        var gw = Gateway();
        DeferredMail(gw, 2);
        var client = LoggedIn(gw);
        gw.Storage.FailNext(StorageOperation.List, new IOException("card removed"));
        string answer = gw.Say(client, "queue\r\n");
        Assert.Contains("error: cannot read the card: card removed\r\n", answer);
        Assert.EndsWith("mailgw> ", answer);
        Assert.Contains("-- 2 message(s)", gw.Say(client, "queue\r\n"));
    }

    [Fact]
    public void AConsoleOnANonLoopbackAddress_NeedsAPassword()
    {
        var config = new GatewayConfig();
        string problem = ConfigParser.Apply("hostname = gw.test\nconsole.listen = 0.0.0.0:2323\n", "mailgw.conf", config);
        Assert.Equal("mailgw.conf:2: console.listen: 0.0.0.0:2323 is not a loopback address, and console.password is not set: " +
                     "anyone who reaches it could run the console", problem);
        Assert.Null(ConfigParser.Apply("console.listen = 0.0.0.0:2323\nconsole.password = long enough\n", "mailgw.conf", new GatewayConfig()));
        Assert.Null(ConfigParser.Apply("console.listen = 127.0.0.1:2323, [::1]:2323\n", "mailgw.conf", new GatewayConfig()));
        var serial = new GatewayConfig();
        Assert.Null(ConfigParser.Apply("console.serial = /dev/ttyUSB0, 9600\n", "mailgw.conf", serial));
        Assert.True(ConfigParser.SerialPort(serial.ConsoleSerial, out string port, out int baud));
        Assert.Equal(("/dev/ttyUSB0", 9600), (port, baud));
        Assert.Equal("mailgw.conf:1: console.serial: \"/dev/ttyUSB0, fast\" is not PORT or PORT, SPEED (e.g. /dev/ttyUSB0, 115200)",
                     ConfigParser.Apply("console.serial = /dev/ttyUSB0, fast\n", "mailgw.conf", new GatewayConfig()));
    }

    // A line the platform owns (a terminal, a serial port): fed and drained around each pass, its
    // commands run like a TCP console's, never closed for being idle; the password only when asked.
    [Fact]
    public void ALocalConsole_RunsCommandsBetweenPasses_AndIsNeverIdleClosed()
    {
        var gw = Gateway(password: "s3cret pass");
        var ids = DeferredMail(gw, 2);
        ConsoleSession terminal = gw.Gateway.OpenLocalConsole("terminal", askPassword: false);
        Assert.Equal("MailGateway console on gw.local.test (mailgw ?)\r\nmailgw> ", Drain(gw, terminal, null));
        string listing = Drain(gw, terminal, "queue\n");
        Assert.Contains(ids[1] + " ", listing);
        gw.Clock.Advance(10 * ConsoleSession.IdleTimeoutMs);
        Assert.Contains("ok: " + ids[0] + " on hold", Drain(gw, terminal, "queue hold " + ids[0] + "\n"));
        Assert.Contains(gw.Log, l => l == "console: terminal: queue hold " + ids[0]);

        ConsoleSession serial = gw.Gateway.OpenLocalConsole("serial /dev/ttyUSB0", askPassword: true);
        Assert.EndsWith("password: ", Drain(gw, serial, null));
        Drain(gw, serial, "s3cret pass\r\n");
        Assert.Contains("-- 2 message(s)", Drain(gw, serial, "queue\r\n"));
        Assert.Equal("bye\r\n", Drain(gw, serial, "quit\r\n"));
        Assert.True(serial.IsClosed);
        gw.Gateway.CloseLocalConsole(serial);
    }

    // Types text (if any) into a local console, runs the loop, and returns what it said.
    private static string Drain(SimulatedGateway gw, ConsoleSession s, string typed)
    {
        if (typed != null)
        {
            byte[] bytes = System.Text.Encoding.UTF8.GetBytes(typed);
            Assert.Equal(bytes.Length, s.Receive(bytes, 0, bytes.Length, gw.Clock.MonotonicMs()));
        }
        var said = new System.Text.StringBuilder();
        var buffer = new byte[8192];
        for (int pass = 0; pass < 100; pass++)
        {
            gw.Gateway.RunOnce();
            int n = MailGateway.Core.Runtime.Transmitter.Copy(s, buffer, 0, buffer.Length);
            said.Append(System.Text.Encoding.UTF8.GetString(buffer, 0, n));
            if (n == 0 && s.Producer == null) break;
        }
        return said.ToString();
    }

    private static List<string> Lines(string text) => text.Split("\r\n").ToList();
}
