// The loop as a client meets it, on simulated parts: a message is stored before its 250, limits
// that belong to the loop (sessions, idle time, spool space) and failures of the card.
using System.Text.RegularExpressions;
using MailGateway.Core.Config;
using MailGateway.Core.Spool;
using MailGateway.Emulator.Simulation;

namespace MailGateway.Tests.Runtime;

public class GatewayTests
{
    private const string Message = "Subject: test\r\nMessage-ID: <m1@client.test>\r\nDate: Sun, 29 Nov 2026 20:00:00 +0000\r\n\r\nHello\r\n..dot line\r\n";

    [Fact]
    public void Message_AcceptedWith250_IsInTheSpoolWhole()
    {
        var gw = new SimulatedGateway();
        var client = gw.Connect();
        gw.Settle();
        Assert.StartsWith("220 gw.local.test ESMTP", client.ReadNew());
        string replies = gw.SendMessage(client, "cam@lan.test", new[] { "a@foreign.test", "b@local.test" }, Message);
        Match queued = Regex.Match(replies, @"250 2\.0\.0 Ok: queued as (\w{8})\r\n$");
        Assert.True(queued.Success, replies);

        var stored = Assert.Single(SpoolContents.ReadAll(gw.Storage));
        Assert.Equal(queued.Groups[1].Value, stored.Envelope.QueueId);
        Assert.Equal("cam@lan.test", stored.Envelope.Sender);
        Assert.Equal(new[] { "a@foreign.test", "b@local.test" }, stored.Envelope.Recipients);
        Assert.Equal("192.168.1.50", stored.Envelope.ClientAddress);
        Assert.StartsWith("Received: from client.test (unknown [192.168.1.50])\r\n\tby gw.local.test (MailGateway) with ESMTP id " +
                          stored.Envelope.QueueId + "; ", stored.BodyText);
        Assert.EndsWith("\r\n" + Message.Replace("..dot", ".dot"), stored.BodyText);
        Assert.Equal(1, gw.Gateway.Spool.Count);
        Assert.Contains(gw.Log, l => l == stored.Envelope.QueueId + ": from=<cam@lan.test>, size=" +
                                     (Message.Length - 1) + ", nrcpt=2 (queue active)");
    }

    [Fact]
    public void NextConnection_ReusesTheBuffersOfAnEndedOne_AndNothingOfItsMessage()
    {
        // The gateway keeps the buffers of ended SMTP connections for the next ones (limits.io_buffer
        // each); a client that hung up in the middle of its message must leave nothing behind.
        var gw = new SimulatedGateway();
        var first = gw.Connect("192.168.1.60");
        gw.Settle();
        gw.Say(first, "EHLO cam1\r\nMAIL FROM:<cam1@lan.test>\r\nRCPT TO:<a@foreign.test>\r\nDATA\r\n");
        first.Write("Subject: secret of the first\r\n\r\n" + new string('s', 700) + "\r\nMAIL FROM:<forged@lan.test>\r\n");
        gw.Settle();
        first.Close();
        gw.Settle();
        Assert.Empty(SpoolContents.ReadAll(gw.Storage));

        var second = gw.Connect("192.168.1.61");
        gw.Settle();
        string replies = gw.SendMessage(second, "cam2@lan.test", new[] { "b@foreign.test" }, "Subject: second\r\n\r\nhello\r\n");
        Assert.Matches(@"250 2\.0\.0 Ok: queued as \w{8}\r\n$", replies);
        var stored = Assert.Single(SpoolContents.ReadAll(gw.Storage));
        Assert.Equal("cam2@lan.test", stored.Envelope.Sender);
        Assert.Contains("\r\nSubject: second\r\n", stored.BodyText);
        Assert.EndsWith("\r\n\r\nhello\r\n", stored.BodyText);
        Assert.DoesNotContain("secret", stored.BodyText);
        Assert.DoesNotContain("forged", stored.BodyText);
    }

    [Fact]
    public void Sessions_OverTheLimit_Get421AtOnce()
    {
        var config = SimulatedGateway.DefaultConfig();
        config.MaxSessions = 2;
        var gw = new SimulatedGateway(config);
        var first = gw.Connect();
        var second = gw.Connect();
        var third = gw.Connect();
        gw.Settle();
        Assert.StartsWith("220 ", first.ReadNew());
        Assert.StartsWith("220 ", second.ReadNew());
        Assert.Equal("421 4.7.0 Too many connections, try again later\r\n", third.ReadNew());
        Assert.True(third.ServerClosed);
        Assert.Equal(2, gw.Gateway.ConnectionCount);

        Assert.StartsWith("221 ", gw.Say(first, "QUIT\r\n"));
        var fourth = gw.Connect();
        gw.Settle();
        Assert.StartsWith("220 ", fourth.ReadNew());
    }

    [Fact]
    public void IdleClient_After5Minutes_Gets421AndIsClosed()
    {
        var gw = new SimulatedGateway();
        var client = gw.Connect();
        gw.Settle();
        gw.Say(client, "EHLO client.test\r\n");
        gw.Clock.Advance(299_999);
        gw.Settle();
        Assert.Equal("", client.ReadNew());
        gw.Clock.Advance(1);
        gw.Settle();
        Assert.Equal("421 4.4.2 Timeout, closing connection\r\n", client.ReadNew());
        Assert.True(client.ServerClosed);
        Assert.Equal(0, gw.Gateway.ConnectionCount);
    }

    [Fact]
    public void FullSpool_RefusesMailWith452_AndNever250s()
    {
        var config = SimulatedGateway.DefaultConfig();
        config.SpoolMaxBytes = 64 * 1024;
        var gw = new SimulatedGateway(config);
        var client = gw.Connect();
        gw.Settle();
        gw.Say(client, "EHLO client.test\r\n");
        Assert.StartsWith("452 4.3.1 ", gw.Say(client, "MAIL FROM:<a@lan.test> SIZE=70000\r\n"));

        // Undeclared size: accepted at MAIL, but the body does not fit; read to its end, then 452.
        Assert.StartsWith("250 ", gw.Say(client, "MAIL FROM:<a@lan.test>\r\n"));
        Assert.StartsWith("250 ", gw.Say(client, "RCPT TO:<x@foreign.test>\r\n"));
        Assert.StartsWith("354 ", gw.Say(client, "DATA\r\n"));
        string line = new string('x', 998) + "\r\n";
        for (int i = 0; i < 80; i++) client.Write(line);
        gw.Settle();
        Assert.Equal("", client.ReadNew());
        Assert.StartsWith("452 4.3.1 ", gw.Say(client, ".\r\n"));
        Assert.Empty(SpoolContents.Names(gw.Storage, SpoolNames.Message));
        Assert.Empty(SpoolContents.Names(gw.Storage, SpoolNames.Temporary));
        Assert.Equal(0, gw.Gateway.Spool.Space.UsedBytes);

        // The session goes on, and a small message still fits.
        string replies = gw.SendMessage(client, "a@lan.test", new[] { "x@foreign.test" }, "Subject: small\r\n\r\nok\r\n");
        Assert.Matches(@"250 2\.0\.0 Ok: queued as \w{8}\r\n$", replies);
    }

    [Fact]
    public void CardFailingToSync_Gives451_AndKeepsNothing()
    {
        var gw = new SimulatedGateway();
        var client = gw.Connect();
        gw.Settle();
        gw.Storage.FailNext(StorageOperation.Sync, new IOException("card removed"));
        string replies = gw.SendMessage(client, "a@lan.test", new[] { "x@foreign.test" }, "Subject: s\r\n\r\nbody\r\n");
        Assert.EndsWith("451 4.3.0 Could not store the message, try again later\r\n", replies);
        Assert.Empty(SpoolContents.QueueFiles(gw.Storage));
        Assert.Equal(0, gw.Gateway.Spool.Count);
    }

    [Fact]
    public void CardFailingToCreate_RefusesData_With451()
    {
        var gw = new SimulatedGateway();
        var client = gw.Connect();
        gw.Settle();
        gw.Say(client, "EHLO client.test\r\nMAIL FROM:<a@lan.test>\r\nRCPT TO:<x@foreign.test>\r\n");
        gw.Storage.FailNext(StorageOperation.Create, new IOException("card removed"));
        Assert.Equal("451 4.3.0 Could not store the message, try again later\r\n", gw.Say(client, "DATA\r\n"));
        Assert.StartsWith("250 ", gw.Say(client, "NOOP\r\n"));
    }

    [Fact]
    public void MessagesEndingInOnePass_ShareOneDirectorySync()
    {
        var gw = new SimulatedGateway();
        var clients = Enumerable.Range(0, 3).Select(i => gw.Connect("192.168.1." + (10 + i))).ToArray();
        gw.Settle();
        foreach (var c in clients)
        {
            gw.Say(c, "EHLO client.test\r\nMAIL FROM:<a@lan.test>\r\nRCPT TO:<x@foreign.test>\r\nDATA\r\n");
            c.Write("Subject: group\r\n\r\nbody\r\n");
        }
        gw.Settle();
        int before = gw.Storage.OperationCount;
        foreach (var c in clients) c.Write(".\r\n");
        gw.Settle();
        foreach (var c in clients) Assert.Matches(@"^250 2\.0\.0 Ok: queued as \w{8}\r\n$", c.ReadNew());
        // Per message: one append (last chunk + end record), sync, close, rename; plus ONE directory sync.
        Assert.Equal(3 * 4 + 1, gw.Storage.OperationCount - before);
        Assert.Equal(3, SpoolContents.ReadAll(gw.Storage).Count);
    }

    [Fact]
    public void ClientThatHalfClosesAfterItsMessage_StillGets250()
    {
        var gw = new SimulatedGateway();
        var client = gw.Connect();
        gw.Settle();
        client.Write("EHLO client.test\r\nMAIL FROM:<a@lan.test>\r\nRCPT TO:<x@foreign.test>\r\nDATA\r\n");
        gw.Settle();
        client.Write("Subject: s\r\n\r\nbody\r\n.\r\n");
        client.Close();
        gw.Settle();
        Assert.Matches(@"250 2\.0\.0 Ok: queued as \w{8}\r\n$", client.ReadNew());
        Assert.True(client.ServerClosed);
        Assert.Single(SpoolContents.ReadAll(gw.Storage));
    }

    [Fact]
    public void ClientVanishingMidMessage_LeavesNothing()
    {
        var gw = new SimulatedGateway();
        var client = gw.Connect();
        gw.Settle();
        gw.Say(client, "EHLO client.test\r\nMAIL FROM:<a@lan.test>\r\nRCPT TO:<x@foreign.test>\r\nDATA\r\n");
        client.Write("Subject: s\r\n\r\n" + new string('y', 20000) + "\r\n");
        gw.Settle();
        client.Close();
        gw.Settle();
        Assert.True(client.ServerClosed);
        Assert.Empty(SpoolContents.QueueFiles(gw.Storage));
        Assert.Equal(0, gw.Gateway.Spool.Space.UsedBytes);
    }

    [Fact]
    public void SlowReader_GetsEveryReplyByte()
    {
        var gw = new SimulatedGateway();
        var client = gw.Connect();
        client.SendWindow = 3;
        gw.Settle();
        gw.Say(client, "EHLO client.test\r\n");
        Assert.Equal("220 gw.local.test ESMTP MailGateway\r\n250-gw.local.test\r\n250-PIPELINING\r\n250-SIZE 10485760\r\n" +
                     "250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n", client.AllReceived);
    }

    [Fact]
    public void Shutdown_Says421ToConnectedClients()
    {
        var gw = new SimulatedGateway();
        var client = gw.Connect();
        gw.Settle();
        gw.Say(client, "EHLO client.test\r\n");
        gw.Gateway.Shutdown();
        Assert.Equal("421 4.3.2 Shutting down, try again later\r\n", client.ReadNew());
        Assert.True(client.ServerClosed);
    }

    [Fact]
    public void ClosingClientThatNeverReads_IsDroppedAfterTheLinger()
    {
        var gw = new SimulatedGateway();
        var client = gw.Connect();
        client.SendWindow = 0; // reads nothing, ever
        gw.Settle();
        client.Write("QUIT\r\n" + new string('x', 50000));
        gw.Settle();
        Assert.Equal(1, gw.Gateway.ConnectionCount);
        gw.Clock.Advance(MailGateway.Core.Runtime.Gateway.CloseLingerMs);
        gw.Settle();
        Assert.Equal(0, gw.Gateway.ConnectionCount);
        Assert.True(client.ServerClosed);
    }

    [Fact]
    public void ClientThatSendsButNeverReads_IsNotWatched_AndTimesOut()
    {
        var gw = new SimulatedGateway();
        var client = gw.Connect();
        client.SendWindow = 0; // takes none of our replies
        gw.Settle();
        for (int i = 0; i < 4000; i++) client.Write("NOOP\r\n"); // far more than the loop buffers
        gw.Settle();
        // Replies pile up only to a bound; then input stops being read and watched.
        Assert.False(client.ReceiveWatched);
        Assert.True(client.PendingToServer > 0);
        Assert.Equal(1, gw.Gateway.ConnectionCount);
        gw.Clock.Advance(300_000);
        gw.Settle();
        gw.Clock.Advance(MailGateway.Core.Runtime.Gateway.CloseLingerMs);
        gw.Settle();
        Assert.Equal(0, gw.Gateway.ConnectionCount);
    }

    [Fact]
    public void MessageThatFillsTheSpoolToItsLastByte_Gets452_WhenTheEndRecordDoesNotFit()
    {
        string content = "Subject: fill\r\n\r\n" + new string('f', 2 * 4096 + 100) + "\r\n";
        var probe = new SimulatedGateway();
        var first = probe.Connect();
        probe.Settle();
        Assert.Matches(@"250 2\.0\.0 Ok: queued as \w{8}\r\n$", probe.SendMessage(first, "a@lan.test", new[] { "x@foreign.test" }, content));
        long fileBytes = probe.Gateway.Spool.Message(0).FileBytes;

        var config = SimulatedGateway.DefaultConfig();
        config.SpoolMaxBytes = fileBytes - 1; // everything but the last append fits
        var gw = new SimulatedGateway(config);
        var client = gw.Connect();
        gw.Settle();
        string replies = gw.SendMessage(client, "a@lan.test", new[] { "x@foreign.test" }, content);
        Assert.EndsWith("\r\n354 End data with <CR><LF>.<CR><LF>\r\n452 4.3.1 Insufficient system storage\r\n", replies);
        // The last bytes and the end record go out in one append at the end of data, and that is refused.
        Assert.Contains(gw.Log, l => l.Contains(": reject: END-OF-MESSAGE from unknown[192.168.1.50]: 452 4.3.1 Insufficient system storage;"));
        Assert.Empty(SpoolContents.QueueFiles(gw.Storage));
        Assert.Equal(0, gw.Gateway.Spool.Space.UsedBytes);
    }
}
