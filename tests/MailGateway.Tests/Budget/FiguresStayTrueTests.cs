// Holds the budget's figures to the real objects after real work: a receiving session driven
// through the worst a client may realistically do (a pipelined group of 100 recipients, 998-character
// lines, a MiB of body) weighs no more than its figure plus its recipients' at the peak, and no more
// once the message is in than it did at DATA; an SMTP client that has sent 100 recipients and a MiB
// weighs no more than a parked connection's figure. A buffer added to either part, or one that
// grows with the message, fails here. ObjectSize itself is checked against the runtime's allocation
// counter. The weighing is ObjectSize's, the same as the figures', and does not depend on other threads.
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using MailGateway.Core.Config;
using MailGateway.Core.Runtime;
using MailGateway.Core.Smtp;
using MailGateway.Emulator.Budget;
using MailGateway.Tests.Runtime;

namespace MailGateway.Tests.Budget;

public class FiguresStayTrueTests
{
    // A 40-character address (PartSizes.RecipientLength) in the gateway's relay domain.
    private static string Recipient(int i)
    {
        string local = "r" + i.ToString("D3") + "." + new string('p', 40);
        return local.Substring(0, 40 - "@relay.test".Length) + "@relay.test";
    }

    private static T Field<T>(object o, string name) =>
        (T)o.GetType().GetField(name, BindingFlags.Instance | BindingFlags.NonPublic)!.GetValue(o)!;

    private static Weight WeighConnection(SimulatedGateway gw, Connection c) =>
        new ObjectSize().Share(typeof(ServerSettings)).Share(typeof(MailGateway.Core.Relay.RelayPolicy))
            .Share(typeof(MailGateway.Core.Spool.SpoolSpace)).Share(typeof(TlsSessions)).Share(typeof(GatewayConfig))
            .Share(typeof(MailGateway.Core.Spool.Spool)).Share(Field<byte[]>(gw.Gateway, "_scratch")).Weigh(c);

    [Fact]
    public void ReceivingSession_AtItsPeakAndAfter_StaysWithinItsFigures()
    {
        var config = SimulatedGateway.DefaultConfig();
        config.MaxRecipients = 100;
        PartSizes sizes = PartSizes.Measure(config);
        var gw = new SimulatedGateway(config);
        var client = gw.Connect();
        gw.Settle();
        gw.Say(client, "EHLO " + new string('c', 22) + ".frontdoor.example\r\n"); // 40 characters
        var group = new StringBuilder("MAIL FROM:<" + new string('s', 28) + "@lan.example>\r\n");
        for (int i = 0; i < 100; i++) group.Append("RCPT TO:<" + Recipient(i) + ">\r\n");
        string replies = gw.Say(client, group.Append("DATA\r\n").ToString());
        Assert.EndsWith("354 End data with <CR><LF>.<CR><LF>\r\n", replies);
        var connection = (Connection)Field<System.Collections.ArrayList>(gw.Gateway, "_connections")[0];

        Weight atData = WeighConnection(gw, connection);
        string line = new string('x', 998) + "\r\n";
        gw.Say(client, "Subject: the worst\r\nX-Long: " + new string('h', 990) + "\r\n\r\n");
        Weight peak = default;
        for (int i = 0; i < 1050; i++) // a little more than a MiB
        {
            client.Write(line);
            if (i % 50 == 0)
            {
                gw.Settle();
                Weight now = WeighConnection(gw, connection);
                if (now.Budget > peak.Budget) peak = now;
            }
        }
        Assert.True(peak.DotNet <= sizes.SmtpSession.DotNet + 100 * sizes.SmtpRecipient.DotNet,
                    ".NET: " + peak.DotNet + " > " + sizes.SmtpSession.DotNet + " + 100 x " + sizes.SmtpRecipient.DotNet);
        Assert.True(peak.Nano <= sizes.SmtpSession.Nano + 100 * sizes.SmtpRecipient.Nano,
                    "nano: " + peak.Nano + " > " + sizes.SmtpSession.Nano + " + 100 x " + sizes.SmtpRecipient.Nano);

        Assert.StartsWith("250 2.0.0", gw.Say(client, ".\r\n"));
        // Nothing of a MiB of body stays: the session weighs no more than it did at DATA.
        Weight after = WeighConnection(gw, connection);
        Assert.True(after.DotNet <= atData.DotNet && after.Nano <= atData.Nano,
                    "after the message: " + after.DotNet + "/" + after.Nano + " > " + atData.DotNet + "/" + atData.Nano);
    }

    // A client that pipelines without reading its replies (its socket takes nothing): the session
    // stops reading commands while a few replies wait, so its output never grows past its figure
    // — with the longest replies there are (EHLO with a 253-character host name, refusals naming
    // 254-character addresses) — and every reply arrives, in order, once the client reads.
    [Fact]
    public void ClientThatNeverReads_CannotGrowTheSessionsReplies()
    {
        var config = SimulatedGateway.DefaultConfig();
        config.Hostname = string.Join(".", Enumerable.Repeat(new string('h', 62), 4)) + ".t";   // 253 characters
        config.SmtpAuthPlaintext = true;
        config.MaxErrors = 1000;
        PartSizes sizes = PartSizes.Measure(config);
        var gw = new SimulatedGateway(config);
        var client = gw.Connect("203.0.113.9");   // a stranger: the relay is refused
        client.SendWindow = 0;
        gw.Settle();
        var connection = (Connection)Field<System.Collections.ArrayList>(gw.Gateway, "_connections")[0];
        byte[] outputAtStart = Field<MailGateway.Core.Text.ByteBuffer>(connection.Session, "_output").Array;
        string far = new string('f', 63) + "." + new string('g', 63) + "." + new string('i', 63) + "." + new string('j', 50) + ".example";
        var group = new StringBuilder("EHLO client.test\r\n");
        for (int i = 0; i < 60; i++) group.Append("MAIL FROM:<cam@lan.test>\r\nRCPT TO:<" + i.ToString("D2") + "@" + far + ">\r\nEHLO client.test\r\n");
        group.Append("QUIT\r\n");
        client.Write(group.ToString());
        gw.Settle();
        Assert.Same(outputAtStart, Field<MailGateway.Core.Text.ByteBuffer>(connection.Session, "_output").Array); // never grew
        Weight stalled = WeighConnection(gw, connection);
        Assert.True(stalled.Budget <= sizes.SmtpSession.Budget + sizes.SmtpRecipient.Budget,
                    "stalled: " + stalled.DotNet + "/" + stalled.Nano + " > " + sizes.SmtpSession.DotNet + "/" + sizes.SmtpSession.Nano);

        client.SendWindow = int.MaxValue;
        for (int i = 0; i < 1000 && !client.GatewayClosed; i++) gw.Settle();
        string replies = client.ReadNew();
        Assert.Equal(60, Regex.Matches(replies, @"554 5\.7\.1 <\d\d@f+\.g+\.i+\.j+\.example>: Relay access denied\r\n").Count);
        Assert.Equal(61, Regex.Matches(replies, "250 ENHANCEDSTATUSCODES\r\n").Count);
        Assert.EndsWith("221 2.0.0 Bye\r\n", replies);
    }

    [Fact]
    public void SmtpClient_AfterAHundredRecipientsAndAMiB_StaysWithinTheParkedFigure()
    {
        var config = SimulatedGateway.DefaultConfig();
        config.MaxRecipients = 100;
        PartSizes sizes = PartSizes.Measure(config);
        string[] recipients = Enumerable.Range(0, 100).Select(Recipient).ToArray();
        var session = new SmtpClientSession(ClientSettings.ForMx(config.Hostname), 0);
        session.BeginMessage(new string('s', 28) + "@lan.example", recipients, 1_100_000, 0);
        session.Connected(0);
        var output = new byte[4096];
        void Say(string reply)
        {
            byte[] bytes = Encoding.ASCII.GetBytes(reply);
            session.Receive(bytes, 0, bytes.Length, 0);
            while (Transmitter.Copy(session, output, 0, output.Length) > 0) { }
            while (session.PollEvent() != MailGateway.Core.Smtp.ClientEvent.None) { }
        }
        // Replies as Postfix words them.
        Say("220 mx.recipient-domain.example ESMTP Postfix\r\n");
        Say("250-mx.recipient-domain.example\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n");
        Say("250 2.1.0 Ok\r\n" + string.Concat(Enumerable.Repeat("250 2.1.5 Ok\r\n", 100)) + "354 End data with <CR><LF>.<CR><LF>\r\n");
        byte[] line = Encoding.ASCII.GetBytes(new string('y', 998) + "\r\n");
        ObjectSize weigh = new ObjectSize().Share(typeof(ClientSettings));
        foreach (string r in recipients) weigh.Share(r);
        Weight peak = default;
        for (int i = 0; i < 1050; i++)
        {
            for (int at = 0; at < line.Length;)
            {
                at += session.WriteBody(line, at, line.Length - at, 0);
                while (Transmitter.Copy(session, output, 0, output.Length) > 0) { }
            }
            if (i % 100 == 0)
            {
                Weight now = weigh.Weigh(session);
                if (now.Budget > peak.Budget) peak = now;
            }
        }
        Assert.True(peak.DotNet <= sizes.ParkedConnection.DotNet, ".NET: " + peak.DotNet + " > " + sizes.ParkedConnection.DotNet);
        Assert.True(peak.Nano <= sizes.ParkedConnection.Nano, "nano: " + peak.Nano + " > " + sizes.ParkedConnection.Nano);
    }

    [Fact]
    public void ObjectSize_AgreesWithTheRuntimesAllocationCounter()
    {
        var settings = new GatewayConfig().ToServerSettings();
        settings.Scratch = new byte[Gateway.ScratchBytes];
        var policy = new GatewayConfig().ToRelayPolicy();
        var space = new MailGateway.Core.Spool.SpoolSpace(1 << 20);
        Connection Build() => new Connection(1, new SmtpServerSession(settings, policy, space, "192.0.2.1", false, 0), new byte[Connection.InputBytes]);
        Build(); // warm-up: JIT and statics
        long before = GC.GetAllocatedBytesForCurrentThread();
        Connection c = Build();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long weighed = new ObjectSize().Share(settings).Share(settings.Scratch).Share(policy).Share(space).Of(c);
        // The greeting string and its bytes are allocated and dropped: the weight is a little less.
        Assert.InRange(weighed, allocated * 85 / 100, allocated);
    }

    // A console session that listed a long queue as JSON (messages of 100 recipients with long last
    // replies) to a client reading slowly weighs no more than its figure: the output never grows.
    [Fact]
    public void ConsoleSession_AfterALongJsonListing_StaysWithinItsFigure()
    {
        var config = SimulatedGateway.DefaultConfig();
        config.ConsoleListen = new[] { new ListenEndpoint(SimulatedGateway.ListenAddress, 2323) };
        PartSizes sizes = PartSizes.Measure(config);
        var gw = new SimulatedGateway(config);
        gw.Deliveries.Defer("far.test", "451 4.3.0 " + new string('w', 900));
        var recipients = Enumerable.Range(0, 100).Select(i => "user" + i + "@far.test").ToArray();
        for (int m = 0; m < 5; m++) gw.Queue("cam@relay.test", recipients, "Subject: many\r\n\r\nx\r\n");
        gw.Settle();
        var client = gw.Network.Connect(SimulatedGateway.ListenAddress, 2323, "127.0.0.1");
        gw.Settle();
        client.ReceiveBuffer = 700;
        client.Write("script\r\nqueue --json\r\n");
        var connection = (Connection)Field<System.Collections.ArrayList>(gw.Gateway, "_connections")[0];
        long heaviest = 0;
        var text = new StringBuilder();
        for (int round = 0; round < 100_000 && !text.ToString().EndsWith("]}\r\n.\r\n"); round++)
        {
            gw.Settle();
            // The message being listed is weighed as the queue's own (a queue index entry), not here.
            Weight now = new ObjectSize().Share(typeof(MailGateway.Core.Console.ConsoleSettings)).Share(typeof(MailGateway.Core.Spool.Spool))
                .Share(typeof(MailGateway.Core.Spool.QueuedMessage)).Weigh(connection);
            heaviest = Math.Max(heaviest, now.Budget);
            text.Append(client.ReadNew());
        }
        Assert.Equal(5, Regex.Matches(text.ToString(), "\"held\":false").Count);
        Assert.InRange(text.Length, 5 * 100 * 900, int.MaxValue);
        Assert.InRange(heaviest, 1, sizes.ConsoleSession.Budget);
    }

    // A board's login check, weighed after every slice of its PBKDF2 (the work a loop pass does),
    // for a user that exists and one that does not, with the longest password the figure assumes.
    [Fact]
    public void PasswordCheck_AtEverySlice_StaysWithinItsFigure()
    {
        Weight figure = PartSizes.PasswordCheckBytes(out _);
        var crypto = new MailGateway.Emulator.Platform.HostCrypto();
        var users = new MailGateway.Core.Local.UserDirectory(1000);
        Assert.Null(users.Add("person1", new byte[PartSizes.MeasuredPasswordBytes], crypto));
        var hmac = new MailGateway.Tests.Local.Pbkdf2StepsTests.DotNetHmac();
        foreach (string name in new[] { "person1", "nobody" })
        {
            var check = new MailGateway.Core.Local.PasswordCheck(users, name, new byte[PartSizes.MeasuredPasswordBytes], hmac);
            long heaviest = 0;
            int result;
            int slices = 0;
            do
            {
                result = check.Step(200); // DeviceUsers.IterationsPerPass
                slices++;
                heaviest = Math.Max(heaviest, new ObjectSize().Share(hmac).Share(users).Weigh(check).Budget);
            }
            while (result < 0);
            Assert.Equal(name == "person1" ? 1 : 0, result);
            Assert.Equal(5, slices);
            Assert.InRange(heaviest, 1, figure.Budget);
        }
    }
}
