// Power cuts at every step of the commit protocol (DESIGN, durability; RFC 5321 §6.1): clients
// stream messages into the whole loop on a SimulatedStorage; the card loses power after k storage
// operations, for every k the scenario performs; the card reboots (losing everything unsynced,
// or, torn, keeping random parts of it); a new gateway recovers the spool. Then:
//   - every message a client got "250 … queued as ID" for is in the queue under ID, byte-exact;
//   - every message in the queue is whole: one of the messages sent, never a part of one;
//   - no temporary file survives recovery.
using System.Text.RegularExpressions;
using MailGateway.Core.Spool;
using MailGateway.Emulator.Simulation;

namespace MailGateway.Tests.Runtime;

public class PowerCutTests
{
    private const int Clients = 3;
    private const int MessagesPerClient = 2;

    private static string Content(int client, int message)
    {
        var text = new System.Text.StringBuilder();
        text.Append("Subject: c" + client + " m" + message + "\r\n");
        text.Append("Message-ID: <c" + client + "m" + message + "@lan.test>\r\n");
        text.Append("Date: Sun, 29 Nov 2026 20:00:00 +0000\r\n\r\n");
        int lines = message == 0 ? 3 : 150; // one small message, one over two spool chunks
        for (int i = 0; i < lines; i++) text.Append("client " + client + " message " + message + " line " + i + " " + new string('z', i % 50) + "\r\n");
        return text.ToString();
    }

    private static readonly string[] AllContents =
        Enumerable.Range(0, Clients).SelectMany(c => Enumerable.Range(0, MessagesPerClient).Select(m => Content(c, m))).ToArray();

    /// <summary>Runs the scenario until it ends or the power is cut; returns the acknowledged queue IDs with their content.</summary>
    private static Dictionary<string, string> RunScenario(SimulatedGateway gw)
    {
        var clients = Enumerable.Range(0, Clients).Select(i => gw.Connect("192.168.1." + (20 + i))).ToArray();
        try
        {
            gw.Settle();
            for (int m = 0; m < MessagesPerClient; m++)
            {
                for (int c = 0; c < Clients; c++)
                {
                    clients[c].Write("EHLO c" + c + ".lan.test\r\nMAIL FROM:<c" + c + "@lan.test>\r\nRCPT TO:<x@foreign.test>\r\nDATA\r\n");
                }
                gw.Settle();
                for (int c = 0; c < Clients; c++)
                {
                    string content = Content(c, m);
                    clients[c].Write(content.Substring(0, content.Length / 2));
                }
                gw.Settle();
                for (int c = 0; c < Clients; c++)
                {
                    string content = Content(c, m);
                    clients[c].Write(content.Substring(content.Length / 2) + ".\r\n");
                }
                gw.Settle();
            }
        }
        catch (PowerCutException)
        {
            // The device died here; what the clients were told so far is what counts.
        }
        var acknowledged = new Dictionary<string, string>();
        for (int c = 0; c < Clients; c++)
        {
            var ids = Regex.Matches(clients[c].AllReceived, @"250 2\.0\.0 Ok: queued as (\w{8})").Select(x => x.Groups[1].Value).ToArray();
            for (int m = 0; m < ids.Length; m++) acknowledged[ids[m]] = Content(c, m);
        }
        return acknowledged;
    }

    public static IEnumerable<object[]> EveryStep()
    {
        var full = new SimulatedGateway();
        int start = full.Storage.OperationCount;
        var acknowledged = RunScenario(full);
        Assert.Equal(Clients * MessagesPerClient, acknowledged.Count);
        int steps = full.Storage.OperationCount - start;
        for (int k = 0; k <= steps; k++) yield return new object[] { k };
    }

    [Theory]
    [MemberData(nameof(EveryStep))]
    public void PowerCut_AtEveryStep_LosesNoAcknowledgedMessage_AndKeepsNoHalfMessage(int step)
    {
        foreach (int seed in new[] { -1, 1, 2, 3 })
        {
            var storage = new SimulatedStorage();
            var gw = new SimulatedGateway(storage: storage);
            storage.CutPowerAfter(step);
            var acknowledged = RunScenario(gw);
            if (!storage.IsPowerOff) storage.CutPowerNow();
            if (seed < 0) storage.Reboot();
            else storage.RebootTorn(seed);

            var rebooted = new SimulatedGateway(storage: storage, clock: gw.Clock);
            string context = "step " + step + ", " + (seed < 0 ? "clean reboot" : "torn reboot seed " + seed);
            var queued = SpoolContents.ReadAll(storage).ToDictionary(m => m.Envelope.QueueId);
            foreach (var (id, content) in acknowledged)
            {
                Assert.True(queued.ContainsKey(id), context + ": acknowledged " + id + " is lost");
                Assert.EndsWith("\r\n" + content, queued[id].BodyText);
                Assert.StartsWith("Received: ", queued[id].BodyText);
            }
            foreach (var message in queued.Values)
            {
                Assert.True(AllContents.Any(c => message.BodyText.EndsWith("\r\n" + c, StringComparison.Ordinal)),
                            context + ": " + message.Envelope.QueueId + " is not a whole message");
            }
            Assert.Equal(queued.Count, rebooted.Gateway.Spool.Count);
            foreach (string tmp in SpoolContents.Names(storage, SpoolNames.Temporary))
            {
                // Only a rename torn half-way (both names on FAT) leaves a .TMP, beside its .MSG.
                Assert.True(seed >= 0 && queued.ContainsKey(tmp.Substring(0, 8)), context + ": " + tmp + " survived recovery");
            }
        }
    }
}
