// Local delivery as a user of a local domain meets it: mail for person2@local.test ends up as one
// durable file in person2's mailbox folder, aliases fan out to users and external addresses, a
// repeated delivery after a crash does not store the message twice, and a user removed after the
// message was accepted gets it bounced.
using System.Text;
using System.Text.RegularExpressions;
using MailGateway.Core.Config;
using MailGateway.Core.Local;
using MailGateway.Tests.Runtime;

namespace MailGateway.Tests.Local;

public class LocalDeliveryTests
{
    internal sealed class Users : IUsers
    {
        public readonly Dictionary<string, string> Folders = new Dictionary<string, string>();
        public readonly Dictionary<string, string> Passwords = new Dictionary<string, string>();
        public string MailboxFolder(string user) => Folders.TryGetValue(user, out string f) ? f : null;
        /// <summary>Users RCPT still knows although their mailbox is gone (removed meanwhile).</summary>
        public readonly HashSet<string> AlsoKnown = new HashSet<string>();
        public bool Exists(string user) => Folders.ContainsKey(user) || AlsoKnown.Contains(user);
        public string[] Names() => Folders.Keys.ToArray();
        private readonly Dictionary<int, bool> _checks = new Dictionary<int, bool>();
        public int BeginVerify(string user, string password)
        {
            _checks[_checks.Count + 1] = Passwords.TryGetValue(user, out string p) && p == password;
            return _checks.Count;
        }
        public int PollVerify(int handle) => _checks[handle] ? 1 : 0;
    }

    private const string Content = "Subject: hello\r\nMessage-ID: <m@lan.test>\r\nDate: Sun, 29 Nov 2026 20:00:00 +0000\r\n\r\nfor you\r\n";

    private static (SimulatedGateway Gw, Users Users) Gateway(Action<GatewayConfig> configure = null)
    {
        var config = SimulatedGateway.DefaultConfig();
        config.Aliases = new[]
        {
            new Alias("postmaster", new[] { "person1" }),
            new Alias("info", new[] { "person1", "person2", "boss@outside.test" }),
            new Alias("team", new[] { "info", "person2" }),
        };
        configure?.Invoke(config);
        var users = new Users();
        users.Folders["person1"] = "U0000001";
        users.Folders["person2"] = "U0000002";
        return (new SimulatedGateway(config, realDelivery: true, users: users), users);
    }

    private static string Send(SimulatedGateway gw, params string[] to) => gw.Queue("cam@lan.test", to, Content);

    // The body is streamed from the queue file into the mailbox's .TMP and a record's CRC is only
    // checked at its end: a record that rotted on the card after acceptance is found when part of
    // it is in the .TMP, which is then deleted; no .EML ever holds a damaged message. Here the
    // first try meets a card error, the rot comes before the second.
    [Fact]
    public void ABodyThatRottedOnTheCard_NeverReachesTheMailbox()
    {
        var (gw, _) = Gateway();
        var mailbox = gw.Folders.Card("U0000002");
        mailbox.FailNext(MailGateway.Emulator.Simulation.StorageOperation.Create, new IOException("card busy"));
        string text = "Subject: snapshot\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('j', 76) + "\r\n", 400));
        string id = gw.Queue("cam@lan.test", new[] { "person2@local.test" }, text);
        gw.Settle();
        Assert.Empty(mailbox.List());
        string file = id + ".MSG";
        gw.Storage.Rot(file, gw.Storage.Length(file) - 3000);

        gw.Clock.Advance(3_600_000);
        gw.Settle();
        Assert.Empty(mailbox.List());   // neither an .EML nor a .TMP left behind
        Assert.Contains(gw.Log, l => l.StartsWith(id + ": ") && l.Contains("damaged"));
        Assert.Equal(1, gw.Gateway.Spool.Count);
    }

    private static string Mailbox(SimulatedGateway gw, string folder, string id)
    {
        var card = gw.Folders.Card(folder);
        string name = id + ".EML";
        if (!card.Exists(name)) return null;
        int h = card.OpenRead(name);
        var bytes = new byte[card.Length(name)];
        card.Read(h, 0, bytes, 0, bytes.Length);
        card.Close(h);
        return Encoding.Latin1.GetString(bytes);
    }

    [Fact]
    public void MailForALocalUser_IsStoredInItsMailbox_AndRemovedFromTheQueue()
    {
        var (gw, _) = Gateway();
        string id = Send(gw, "person2@local.test");
        string stored = Mailbox(gw, "U0000002", id);
        Assert.NotNull(stored);
        Assert.StartsWith("Return-Path: <cam@lan.test>\r\nDelivered-To: person2@local.test\r\nReceived: from client.test", stored);
        Assert.EndsWith("\r\n" + Content, stored);
        Assert.Contains(gw.Log, l => l.StartsWith(id + ": to=<person2@local.test>, relay=local, ") && l.Contains("status=sent (250 2.0.0 delivered to mailbox)"));
        Assert.Contains(id + ": removed", gw.Log);
        Assert.DoesNotContain(gw.Folders.Card("U0000002").List(), n => n.EndsWith(".TMP"));
    }

    [Fact]
    public void Aliases_FanOutToUsersAndExternalAddresses_Once()
    {
        var (gw, _) = Gateway();
        string id = Send(gw, "team@local.test");
        var queued = gw.Gateway.Spool.Find(id);
        Assert.NotNull(queued); // the external copy is still being tried
        Assert.Equal(new[] { "person1@local.test", "person2@local.test", "boss@outside.test" }, queued.Envelope.Recipients);
        Assert.NotNull(Mailbox(gw, "U0000001", id));
        Assert.NotNull(Mailbox(gw, "U0000002", id));
    }

    [Fact]
    public void BarePostmaster_ReachesTheUserItsAliasNames()
    {
        var (gw, _) = Gateway();
        string id = Send(gw, "postmaster");
        Assert.NotNull(Mailbox(gw, "U0000001", id));
    }

    [Fact]
    public void UserRemovedAfterAcceptance_IsBounced()
    {
        var (gw, users) = Gateway();
        users.Folders.Remove("person2"); // accepted at RCPT, gone by the time of delivery
        users.AlsoKnown.Add("person2");
        string id = Send(gw, "person2@local.test");
        Assert.Contains(gw.Log, l => l.StartsWith(id + ": to=<person2@local.test>") && l.Contains("dsn=5.1.1, status=bounced"));
        Assert.Contains(gw.Log, l => l.StartsWith(id + ": sender non-delivery notification: "));
    }

    [Fact]
    public void DeliveryRepeatedAfterACrash_DoesNotStoreTheMessageTwice()
    {
        var (gw, _) = Gateway();
        string id = Send(gw, "person2@local.test");
        var before = gw.Folders.Card("U0000002").List().ToArray();
        // As if the queue had lost the "delivered" record: deliver the same message again.
        var job = Redeliver(gw, id, StoredBodyBytes(gw, id));
        Assert.True(job.Step(0));
        Assert.Equal(MailGateway.Core.Delivery.AttemptOutcome.Delivered, job.Outcomes[0].Result);
        Assert.Equal(before, gw.Folders.Card("U0000002").List());
    }

    [Fact]
    public void AnotherMessageWithAQueueIdSeenBefore_IsStoredBesideIt_NotTakenAsDelivered()
    {
        // A queue ID can come again when the card lost its ID sequence: the file of that name in
        // the mailbox is then another, older message, and the new one must not be dropped.
        var (gw, _) = Gateway();
        var client = gw.Connect();
        gw.Settle();
        gw.Say(client, "EHLO client.test\r\nMAIL FROM:<cam@lan.test>\r\nRCPT TO:<person2@local.test>\r\nDATA\r\n");
        client.Write(Content + ".\r\n");
        gw.Gateway.RunOnce(); // commits and answers; the queue takes it up in the next pass
        string id = Regex.Match(client.ReadNew(), @"queued as (\w{8})\r\n$").Groups[1].Value;
        Assert.Equal(8, id.Length);
        var card = gw.Mailboxes.Folder("U0000002");
        byte[] older = Encoding.ASCII.GetBytes("Return-Path: <old@lan.test>\r\nDelivered-To: person2@local.test\r\nSubject: older\r\n\r\nold\r\n");
        int h = card.Create(id + ".EML");
        card.Append(h, older, 0, older.Length);
        card.Close(h);
        gw.Settle();
        Assert.Contains(gw.Log, l => l.Contains(id + ": to=<person2@local.test>, relay=local") && l.Contains("status=sent"));
        Assert.Contains("Subject: older", Mailbox(gw, "U0000002", id));
        string stored = Mailbox(gw, "U0000002", id.Substring(0, 6) + "W0");
        Assert.EndsWith("\r\n" + Content, stored);
        Assert.StartsWith(TraceFields, stored);
    }

    private const string TraceFields = "Return-Path: <cam@lan.test>\r\nDelivered-To: person2@local.test\r\n";

    private static long StoredBodyBytes(SimulatedGateway gw, string id) =>
        gw.Folders.Card("U0000002").Length(id + ".EML") - TraceFields.Length;

    // A local delivery of the message queued as id (its spool file is still there), as if the
    // queue tried it again; bodyBytes is what the queue believes its body size is.
    private static MailGateway.Core.Delivery.LocalDeliveryJob Redeliver(SimulatedGateway gw, string id, long bodyBytes)
    {
        var message = new MailGateway.Core.Spool.QueuedMessage(
            new MailGateway.Core.Spool.Envelope { QueueId = id, Sender = "cam@lan.test", Recipients = new[] { "person2@local.test" } }, bodyBytes, 0);
        return new MailGateway.Core.Delivery.LocalDeliveryJob(gw.Storage, new byte[MailGateway.Core.Runtime.Gateway.ScratchBytes], new MailboxStore(gw.Folders),
            new Users { Folders = { ["person2"] = "U0000002" } }, message, new[] { 0 }, null);
    }

    [Fact]
    public void AliasesThatExpandBeyondWhatAQueueFileHolds_AreRefusedAtData_BeforeAny250()
    {
        // 100 aliases of 101 distinct targets each: 10,100 recipients, over Envelope.MaxRecipients.
        var (gw, _) = Gateway(c => c.Aliases = c.Aliases.Concat(Enumerable.Range(0, 100).Select(a =>
            new Alias("list" + a, Enumerable.Range(0, 101).Select(t => "m" + a + "x" + t + "@outside.test").ToArray()))).ToArray());
        var client = gw.Connect();
        gw.Settle();
        gw.Say(client, "EHLO client.test\r\nMAIL FROM:<cam@lan.test>\r\n");
        for (int a = 0; a < 100; a++) Assert.StartsWith("250 ", gw.Say(client, "RCPT TO:<list" + a + "@local.test>\r\n"));
        Assert.Equal("452 4.5.3 Too many recipients after alias expansion\r\n", gw.Say(client, "DATA\r\n"));
        Assert.Contains(gw.Log, l => l == "warning: unknown[192.168.1.50]: 10100 recipients after alias expansion, more than 10000");
        Assert.Empty(SpoolContents.QueueFiles(gw.Storage));
    }

    [Fact]
    public void UnknownLocalRecipient_IsRefusedAtRcpt_NotBouncedLater()
    {
        var (gw, _) = Gateway();
        var client = gw.Connect();
        gw.Settle();
        gw.Say(client, "EHLO client.test\r\nMAIL FROM:<cam@lan.test>\r\n");
        Assert.Equal("550 5.1.1 <nobody@local.test>: Recipient address rejected: User unknown in local recipient table\r\n",
                     gw.Say(client, "RCPT TO:<nobody@local.test>\r\n"));
        Assert.StartsWith("250 ", gw.Say(client, "RCPT TO:<info@local.test>\r\n"));   // an alias
        Assert.StartsWith("250 ", gw.Say(client, "RCPT TO:<PostMaster@local.test>\r\n"));
    }

    [Theory]
    [InlineData("info", "local.test", new[] { "person1@local.test", "person2@local.test", "boss@outside.test" })]
    [InlineData("team", "local.test", new[] { "person1@local.test", "person2@local.test", "boss@outside.test" })]
    [InlineData("Person2", "local.test", new[] { "person2@local.test" })]
    [InlineData("loop", "local.test", new[] { "loop@local.test" })]
    public void AliasTable_ExpandsRecursively_WithoutDuplicatesOrEndlessLoops(string name, string domain, string[] expected)
    {
        var table = new AliasTable(new[]
        {
            new Alias("info", new[] { "person1", "person2", "boss@outside.test" }),
            new Alias("team", new[] { "info", "person2", "person1" }),
            new Alias("loop", new[] { "loop2" }),
            new Alias("loop2", new[] { "loop" }),
        });
        var result = new System.Collections.ArrayList();
        table.Expand(name, domain, result);
        if (name == "loop") Assert.Single(result); // bounded: ends at the depth limit with one address
        else Assert.Equal(expected, result.Cast<string>());
    }

    [Theory]
    [InlineData("alias.info = person1, boss@outside.test", null)]
    [InlineData("alias.bad name = x", "is not a mail user name")]
    [InlineData("alias.info =", "at least one target")]
    [InlineData("alias.info = not an address", "is not a user name or mail address")]
    public void AliasKeys_AreCheckedWhenRead(string line, string problem)
    {
        string error = ConfigParser.Apply(line + "\n", "gw.conf", new GatewayConfig());
        if (problem == null) Assert.Null(error);
        else Assert.Contains(problem, error);
    }
}
