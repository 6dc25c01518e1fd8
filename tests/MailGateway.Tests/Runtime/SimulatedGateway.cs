// The whole gateway loop on simulated parts: SimulatedNetwork, SimulatedStorage, VirtualClock and
// a seeded random source. Tests connect clients, run loop passes and inspect the spool.
using MailGateway.Core.Config;
using MailGateway.Core.Runtime;
using MailGateway.Emulator.Platform;
using MailGateway.Emulator.Simulation;

namespace MailGateway.Tests.Runtime;

public sealed class SimulatedGateway
{
    public const string ListenAddress = "127.0.0.1";
    public const int ListenPort = 25;

    public readonly SimulatedNetwork Network = new SimulatedNetwork();
    public readonly SimulatedStorage Storage;
    /// <summary>The mailbox folders beside the spool (local delivery).</summary>
    public readonly SimulatedStorageFolders Folders;
    public MailGateway.Core.Local.MailboxStore Mailboxes { get; private set; }
    public readonly VirtualClock Clock;
    public readonly GatewayConfig Config;
    public readonly List<string> Log = new List<string>();
    public Gateway Gateway { get; private set; }

    public readonly MailGateway.Tests.Delivery.ScriptedDeliveries Deliveries;

    /// <summary>
    /// deliveries: what outbound attempts find; by default every attempt hangs (mail stays queued).
    /// backgroundRecovery: leave the card's recovery cycle to the loop passes, as the real gateway
    /// does; by default it is finished before the constructor returns, so a test sees the whole queue.
    /// </summary>
    public SimulatedGateway(GatewayConfig config = null, SimulatedStorage storage = null, VirtualClock clock = null,
                            MailGateway.Tests.Delivery.ScriptedDeliveries deliveries = null, bool realDelivery = false,
                            MailGateway.Core.Local.IUsers users = null, SimulatedStorageFolders folders = null,
                            bool backgroundRecovery = false)
    {
        Folders = folders ?? new SimulatedStorageFolders();
        Deliveries = deliveries ?? new MailGateway.Tests.Delivery.ScriptedDeliveries();
        Config = config ?? DefaultConfig();
        Storage = storage ?? new SimulatedStorage();
        Clock = clock ?? new VirtualClock(1_790_000_000_000);
        var random = new HostRandom(7);
        var log = new ListLog(Log);
        // realDelivery: the real SMTP client and the core's DNS resolver, on the simulated network.
        MailGateway.Core.Delivery.IDeliveryJobFactory factory = Deliveries;
        if (realDelivery)
        {
            var smtp = new MailGateway.Core.Delivery.SmtpDeliveries(Config, Network, Storage,
                MailGateway.Core.Delivery.SmtpDeliveries.CoreResolver(Config, Network, random), random, log);
            factory = smtp;
        }
        // users: local mailboxes in Folders (and AUTH, POP3); without them local domains are only routed.
        MailGateway.Core.Local.LocalMail local = null;
        if (users != null)
        {
            Mailboxes = new MailGateway.Core.Local.MailboxStore(Folders);
            local = new MailGateway.Core.Local.LocalMail(users, Mailboxes, new MailGateway.Core.Local.AliasTable(Config.Aliases));
            (factory as MailGateway.Core.Delivery.SmtpDeliveries)?.EnableLocalDelivery(Mailboxes, users);
        }
        Gateway = new Gateway(Config, Network, Storage, Clock, log, random, factory, local);
        Gateway.Start();
        if (!backgroundRecovery) Gateway.Queue.CompleteRecovery(Clock.MonotonicMs());
    }

    public static GatewayConfig DefaultConfig()
    {
        var config = new GatewayConfig();
        config.Hostname = "gw.local.test";
        config.SmtpListen = new[] { new ListenEndpoint(ListenAddress, ListenPort) };
        config.LocalDomains = new[] { "local.test" };
        config.RelayDomains = new[] { "relay.test" };
        Assert.Null(ConfigParser.Set(config, "relay.allow", "192.168.1.0/24"));
        return config;
    }

    public SimulatedClient Connect(string clientAddress = "192.168.1.50")
    {
        return Network.Connect(ListenAddress, ListenPort, clientAddress);
    }

    /// <summary>Runs loop passes until nothing more happens (bounded).</summary>
    public void Settle(int maxPasses = 1000)
    {
        for (int i = 0; i < maxPasses; i++)
        {
            if (Gateway.RunOnce() > 0) return;
        }
        throw new InvalidOperationException("the loop did not settle in " + maxPasses + " passes");
    }

    /// <summary>Writes a command and returns the reply lines it produced.</summary>
    public string Say(SimulatedClient client, string text)
    {
        client.Write(text);
        Settle();
        return client.ReadNew();
    }

    /// <summary>
    /// A complete message from a new client that then says QUIT (the loop settled after it);
    /// returns its queue ID and fails the test when it got no 250.
    /// </summary>
    public string Queue(string from, string[] to, string data, string clientAddress = "192.168.1.50")
    {
        var client = Connect(clientAddress);
        Settle();
        string replies = SendMessage(client, from, to, data);
        var queued = System.Text.RegularExpressions.Regex.Match(replies, @"queued as (\w{8})\r\n$");
        Assert.True(queued.Success, replies);
        Say(client, "QUIT\r\n");
        return queued.Groups[1].Value;
    }

    /// <summary>A complete message from one client: returns each reply the client got.</summary>
    public string SendMessage(SimulatedClient client, string from, string[] to, string data)
    {
        string replies = Say(client, "EHLO client.test\r\n");
        replies += Say(client, "MAIL FROM:<" + from + ">\r\n");
        foreach (string rcpt in to) replies += Say(client, "RCPT TO:<" + rcpt + ">\r\n");
        replies += Say(client, "DATA\r\n");
        replies += Say(client, data + ".\r\n");
        return replies;
    }
}
