// POP3 through the loop, on the simulated network: a local user fetches what SMTP delivered to its
// mailbox, over STLS; deletions happen at QUIT; a second session on the same mailbox gets [IN-USE];
// plaintext logins are refused unless configured.
using System.Text.RegularExpressions;
using MailGateway.Core.Config;
using MailGateway.Emulator.Simulation;
using MailGateway.Tests.Local;

namespace MailGateway.Tests.Runtime;

public class GatewayPop3Tests
{
    private const int Pop3Port = 1110;

    private static (SimulatedGateway Gw, string Id) WithMail(Action<GatewayConfig> configure = null)
    {
        var config = SimulatedGateway.DefaultConfig();
        config.ServerTlsAvailable = true;
        config.Aliases = new[] { new Alias("postmaster", new[] { "person1" }) };
        configure?.Invoke(config);
        var users = new LocalDeliveryTests.Users();
        users.Folders["person1"] = "U0000001";
        users.Passwords["person1"] = "s3cret";
        var gw = new SimulatedGateway(config, realDelivery: true, users: users);
        var smtp = gw.Connect();
        gw.Settle();
        string replies = gw.SendMessage(smtp, "cam@lan.test", new[] { "person1@local.test" }, "Subject: photo\r\n\r\n..line with a dot\r\nbye\r\n" /* dot-stuffed on the SMTP wire */);
        string id = Regex.Match(replies, @"queued as (\w{8})").Groups[1].Value;
        gw.Settle();
        return (gw, id);
    }

    private static SimulatedClient Pop3(SimulatedGateway gw, string from = "192.168.1.60")
    {
        var client = gw.Network.Connect(SimulatedGateway.ListenAddress, Pop3Port, from);
        gw.Settle();
        Assert.StartsWith("+OK gw.local.test POP3 ready", client.ReadNew());
        return client;
    }

    // pop3.max_messages: a mailbox that filled up (a camera mailing all week) is served a batch at a
    // time, the oldest first, so a session's memory stays what the budget counts; once the batch is
    // deleted the next session sees the next one.
    [Fact]
    public void AFullMailbox_IsServedABatchAtATime_TheOldestFirst()
    {
        var config = SimulatedGateway.DefaultConfig();
        config.Aliases = new[] { new Alias("postmaster", new[] { "person1" }) };
        config.Pop3AuthPlaintext = true;
        config.Pop3MaxMessages = 10;
        var users = new LocalDeliveryTests.Users();
        users.Folders["person1"] = "U0000001";
        users.Passwords["person1"] = "s3cret";
        var gw = new SimulatedGateway(config, realDelivery: true, users: users);
        var ids = new List<string>();
        for (int i = 0; i < 25; i++)
        {
            ids.Add(gw.Queue("cam@lan.test", new[] { "person1@local.test" }, "Subject: snapshot " + i + "\r\n\r\nmotion\r\n"));
            gw.Settle();
        }
        Assert.Equal(25, gw.Folders.Card("U0000001").List().Length);

        for (int batch = 0; batch < 3; batch++)
        {
            var client = Pop3(gw);
            gw.Say(client, "USER person1\r\n");
            int shown = Math.Min(10, 25 - 10 * batch);
            Assert.StartsWith("+OK person1's maildrop has " + shown + " message", gw.Say(client, "PASS s3cret\r\n"));
            string uidl = gw.Say(client, "UIDL\r\n");
            var expected = ids.Skip(10 * batch).Take(shown).Select((id, n) => (n + 1) + " " + id + "\r\n");
            Assert.Equal("+OK Unique-ID listing follows\r\n" + string.Concat(expected) + ".\r\n", uidl);
            for (int n = 1; n <= shown; n++) Assert.StartsWith("+OK", gw.Say(client, "DELE " + n + "\r\n"));
            Assert.StartsWith("+OK", gw.Say(client, "QUIT\r\n"));
        }
        Assert.Empty(gw.Folders.Card("U0000001").List());
    }

    [Fact]
    public void User_FetchesItsMailOverStls_AndDeletesItAtQuit()
    {
        var (gw, id) = WithMail();
        var client = Pop3(gw);
        Assert.Contains("STLS", gw.Say(client, "CAPA\r\n"));
        Assert.StartsWith("-ERR [SYS/PERM]", gw.Say(client, "USER person1\r\n"));
        Assert.StartsWith("+OK", gw.Say(client, "STLS\r\n"));
        client.AcceptTls();
        gw.Settle();
        Assert.StartsWith("+OK", gw.Say(client, "USER person1\r\n"));
        Assert.StartsWith("+OK person1's maildrop has 1 message", gw.Say(client, "PASS s3cret\r\n"));
        Assert.Equal("+OK 1 " + id + "\r\n", gw.Say(client, "UIDL 1\r\n"));
        string message = gw.Say(client, "RETR 1\r\n");
        Assert.StartsWith("+OK", message);
        Assert.Contains("\r\nReturn-Path: <cam@lan.test>\r\nDelivered-To: person1@local.test\r\nReceived: ", message);
        Assert.EndsWith("\r\n\r\n..line with a dot\r\nbye\r\n.\r\n", message); // byte-stuffed
        Assert.StartsWith("+OK", gw.Say(client, "DELE 1\r\n"));
        Assert.Single(gw.Folders.Card("U0000001").List());
        Assert.StartsWith("+OK", gw.Say(client, "QUIT\r\n"));
        Assert.Empty(gw.Folders.Card("U0000001").List());
        Assert.True(client.ServerClosed);
    }

    [Fact]
    public void SecondSessionOnALockedMailbox_IsRefusedInUse_AndALostConnectionDeletesNothing()
    {
        var (gw, _) = WithMail(c => c.Pop3AuthPlaintext = true);
        var first = Pop3(gw);
        gw.Say(first, "USER person1\r\n");
        Assert.StartsWith("+OK", gw.Say(first, "PASS s3cret\r\n"));
        gw.Say(first, "DELE 1\r\n");
        var second = Pop3(gw);
        gw.Say(second, "USER person1\r\n");
        Assert.StartsWith("-ERR [IN-USE]", gw.Say(second, "PASS s3cret\r\n"));
        first.Close();
        gw.Settle();
        Assert.Single(gw.Folders.Card("U0000001").List()); // no QUIT: nothing deleted
        gw.Say(second, "USER person1\r\n");
        Assert.StartsWith("+OK", gw.Say(second, "PASS s3cret\r\n")); // the lock went with the session
    }

    [Fact]
    public void WrongPassword_IsRefused_AndCountsTowardsTheThrottle()
    {
        var (gw, _) = WithMail(c => c.Pop3AuthPlaintext = true);
        for (int i = 0; i < 5; i++)
        {
            var client = Pop3(gw);
            gw.Say(client, "USER person1\r\n");
            Assert.Equal("", gw.Say(client, "PASS guess\r\n")); // answered after the failure delay
            gw.Clock.Advance(MailGateway.Core.Runtime.Gateway.LoginFailureDelayMs);
            gw.Settle();
            Assert.StartsWith("-ERR [AUTH]", client.ReadNew());
            gw.Say(client, "QUIT\r\n"); // one address may hold only limits.sessions_per_client sessions
        }
        var late = Pop3(gw);
        gw.Say(late, "USER person1\r\n");
        Assert.StartsWith("-ERR [AUTH]", gw.Say(late, "PASS s3cret\r\n")); // refused while throttled
    }

    [Fact]
    public void PopBeforeSmtp_LetsTheAddressRelayForAWhile()
    {
        var (gw, _) = WithMail(c => { c.Pop3AuthPlaintext = true; c.PopBeforeSmtpMs = 600_000; });
        var stranger = gw.Network.Connect(SimulatedGateway.ListenAddress, SimulatedGateway.ListenPort, "203.0.113.60");
        gw.Settle();
        Assert.StartsWith("554 5.7.1", gw.Say(stranger, "EHLO c\r\nMAIL FROM:<person1@local.test>\r\nRCPT TO:<far@outside.test>\r\n").Split("\r\n")[^2]);
        var pop = Pop3(gw, "203.0.113.60"); // not in relay.allow
        gw.Say(pop, "USER person1\r\n");
        Assert.StartsWith("+OK", gw.Say(pop, "PASS s3cret\r\n"));
        gw.Say(pop, "QUIT\r\n");
        var after = gw.Network.Connect(SimulatedGateway.ListenAddress, SimulatedGateway.ListenPort, "203.0.113.60");
        gw.Settle();
        Assert.StartsWith("250 2.1.5", gw.Say(after, "EHLO c\r\nMAIL FROM:<person1@local.test>\r\nRCPT TO:<far@outside.test>\r\n").Split("\r\n")[^2]);
        gw.Clock.Advance(600_000);
        var late = gw.Network.Connect(SimulatedGateway.ListenAddress, SimulatedGateway.ListenPort, "203.0.113.60");
        gw.Settle();
        Assert.StartsWith("554 5.7.1", gw.Say(late, "EHLO c\r\nMAIL FROM:<person1@local.test>\r\nRCPT TO:<far@outside.test>\r\n").Split("\r\n")[^2]);
    }
}
