// Mailboxes and the card's space: every mailbox counts against the card with the queue (one
// budget, spool.max_bytes, so new mail is refused before the card is full, never after a 250) and
// against local.mailbox_max_bytes of its own: a full mailbox gets 552 5.2.2 at RCPT, a message
// that would overfill it waits in the queue (4.2.2) and is delivered once the user made room.
using System.Text.RegularExpressions;
using MailGateway.Core.Config;
using MailGateway.Tests.Runtime;

namespace MailGateway.Tests.Local;

public class MailboxSpaceTests
{
    private static string Body(int size) =>
        "Subject: snapshot\r\nMessage-ID: <s" + size + "@lan.test>\r\nDate: Sun, 06 Dec 2026 12:00:00 +0000\r\n\r\n" +
        string.Concat(Enumerable.Repeat(new string('x', 98) + "\r\n", size / 100));

    private static SimulatedGateway Gateway(long mailboxMax, long cardMax = 1 << 30, SimulatedGateway restartOf = null)
    {
        var config = SimulatedGateway.DefaultConfig();
        config.Aliases = new[] { new Alias("postmaster", new[] { "person1" }) };
        config.MailboxMaxBytes = mailboxMax;
        config.SpoolMaxBytes = cardMax;
        config.Pop3AuthPlaintext = true;
        var users = new LocalDeliveryTests.Users();
        users.Folders["person1"] = "U0000001";
        users.Folders["person2"] = "U0000002";
        users.Passwords["person1"] = "pw1";
        return new SimulatedGateway(config, storage: restartOf?.Storage, clock: restartOf?.Clock, realDelivery: true, users: users,
                                    folders: restartOf?.Folders);
    }

    private static string Send(SimulatedGateway gw, string to, int size)
    {
        var client = gw.Connect();
        gw.Settle();
        string replies = gw.SendMessage(client, "cam@lan.test", new[] { to }, Body(size));
        gw.Settle();
        return replies;
    }

    [Fact]
    public void MailboxOverItsLimit_Gets552AtRcpt_WhileOtherUsersStillGetMail()
    {
        var first = Gateway(mailboxMax: 0);
        Assert.Matches(@"250 2\.0\.0 Ok: queued as \w{8}\r\n$", Send(first, "person1@local.test", 20_000));
        Assert.Single(first.Folders.Card("U0000001").List());

        // The operator lowers local.mailbox_max_bytes below what person1 keeps.
        var gw = Gateway(mailboxMax: 10_000, restartOf: first);
        var client = gw.Connect();
        gw.Settle();
        gw.Say(client, "EHLO cam\r\nMAIL FROM:<cam@lan.test>\r\n");
        Assert.Equal("250 2.1.5 Ok\r\n", gw.Say(client, "RCPT TO:<person2@local.test>\r\n"));
        Assert.Equal("552 5.2.2 <person1@local.test>: Mailbox full\r\n", gw.Say(client, "RCPT TO:<person1@local.test>\r\n"));
        Assert.Contains(gw.Log, l => l.StartsWith("NOQUEUE: reject: RCPT from unknown[192.168.1.50]: 552 5.2.2 <person1@local.test>: Mailbox full"));
    }

    [Fact]
    public void MessageThatWouldOverfillTheMailbox_WaitsInTheQueue_UntilTheUserMakesRoom()
    {
        var gw = Gateway(mailboxMax: 30_000);
        Send(gw, "person1@local.test", 20_000);
        Assert.Single(gw.Folders.Card("U0000001").List());
        string replies = Send(gw, "person1@local.test", 20_000);
        string id = Regex.Match(replies, @"queued as (\w{8})").Groups[1].Value;
        Assert.Contains(gw.Log, l => l.StartsWith(id + ": to=<person1@local.test>, relay=local") &&
                                     l.Contains("dsn=4.2.2, status=deferred (452 4.2.2 mailbox full ("));
        Assert.Single(gw.Folders.Card("U0000001").List());

        // The user fetches and deletes the first message; the next retry delivers the second.
        var pop = gw.Network.Connect(SimulatedGateway.ListenAddress, 1110, "192.168.1.60");
        gw.Settle();
        Assert.Contains("+OK person1's maildrop has 1 message", gw.Say(pop, "USER person1\r\nPASS pw1\r\n") + gw.Say(pop, ""));
        gw.Say(pop, "DELE 1\r\nQUIT\r\n");
        Assert.Empty(gw.Folders.Card("U0000001").List());
        gw.Clock.Advance(6 * 60_000);
        gw.Settle();
        Assert.Contains(id + ": removed", gw.Log);
        Assert.Single(gw.Folders.Card("U0000001").List());
    }

    [Fact]
    public void MailboxesCountAgainstTheCard_SoNewMailIsRefusedBeforeTheCardIsFull()
    {
        var first = Gateway(mailboxMax: 0, cardMax: 130_000);
        Send(first, "person1@local.test", 40_000);
        Send(first, "person2@local.test", 40_000);
        Assert.Equal(0, first.Gateway.Spool.Count);
        Assert.InRange(first.Gateway.Spool.Space.UsedBytes, 80_000, 90_000);

        // After a restart the mailboxes are counted again before any mail is taken.
        var gw = Gateway(mailboxMax: 0, cardMax: 130_000, restartOf: first);
        Assert.Equal(first.Gateway.Spool.Space.UsedBytes, gw.Gateway.Spool.Space.UsedBytes);
        Assert.Contains(gw.Log, l => Regex.IsMatch(l, @"^mailboxes: 2 user\(s\), \d+(\.\d)? KiB; card \d+(\.\d)? KiB of 126 KiB used$"));
        var client = gw.Connect();
        gw.Settle();
        gw.Say(client, "EHLO cam\r\n");
        Assert.Equal("452 4.3.1 Insufficient system storage\r\n", gw.Say(client, "MAIL FROM:<cam@lan.test> SIZE=50000\r\n"));
    }
}
