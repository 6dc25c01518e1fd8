// One seeded world of the fault campaign: the seed story's cast with everything chosen from the
// seed — which MX layout bbb.de has, who sends what to whom and when, and which faults strike
// where and when — so that the same seed plays the same world to the byte.
//
// Cast: gateway A (smtp.aaa.com, 10.0.0.1: relays for the LAN 192.168.1.0/24, keeps person1's
// mailbox for aaa.com) and gateway B (mx.bbb.de, 10.0.0.2: the MX of bbb.de, mailboxes of person2
// and person3), the DNS server (10.0.0.53), and scripted sinks: mx1/mx2.ccc.de (two MX), the A
// record of ddd.net (no MX: implicit MX), mx.eee.org, and backup.bbb.de (a backup MX in some
// layouts). Truth: nx.example does not exist, nullmx.example has a null MX, nobody@bbb.de and
// every nobody…@ sink address do not exist, down.example's only MX never answers (its mail can
// only expire).
//
// The run: a traffic phase (TrafficMs) in which devices submit a few messages (to A mostly; to B
// from outside; and outside clients probing A for an open relay), mail programs fetch over POP3,
// and faults strike: hosts refusing or black-holed, sinks' smtp-sink switches, links reset or
// stalled, DNS silent/SERVFAIL/REFUSED/garbage/unreachable, power cuts after k card operations
// (clean or torn reboots), scripted card errors (writes, reads, a full card, a small spool
// budget), a queue index of 4-7 messages (most of the queue waits on the card), clocks without
// a real-time clock and NTP steps. Then everything heals (dead hosts of the truth stay dead) and
// the world runs on until every queue has drained, within queue.lifetime and a margin; then the
// checker judges it.
using System;
using System.Collections.Generic;
using System.IO;
using MailGateway.Core.Config;

namespace MailGateway.Emulator.Simulation.Worlds
{
    public static class CampaignWorld
    {
        public const long Minute = 60_000;
        public const long Hour = 60 * Minute;
        public const long TrafficMs = 3 * Hour;
        public const long LifetimeMs = 12 * Hour;

        public static readonly string[] OpOptions = { "Create", "Append", "Sync", "Close", "Rename", "Delete", "SyncDirectory", "OpenRead", "Read", "OpenAppend" };

        /// <summary>Builds the world of this seed (with a planted bug, or null), ready to Play.</summary>
        public static World Build(int seed, string plant)
        {
            var world = new World(seed);
            Random r = world.Random;
            world.Ledger.LifetimeMs = LifetimeMs;

            // ---- The gateways ----
            GatewayNode a = new GatewayNode(world, "A", "10.0.0.1", Config("smtp.aaa.com", "10.0.0.1", "aaa.com", "person1", r));
            a.AddUser("person1", "U0000001", "secret1");
            Set(a.Config, "relay.allow", "192.168.1.0/24");
            GatewayNode b = new GatewayNode(world, "B", "10.0.0.2", Config("mx.bbb.de", "10.0.0.2", "bbb.de", "person2", r));
            b.AddUser("person2", "U0000002", "secret2");
            b.AddUser("person3", "U0000003", "secret3");
            world.Ledger.WarnAfterMs = a.Config.WarnAfterMs;
            b.Config.WarnAfterMs = a.Config.WarnAfterMs;
            world.Internet.Add(a);
            world.Internet.Add(b);
            PlantedBugs.Plant(plant, a, b);

            // ---- The sinks ----
            var sinks = new List<SmtpSink>
            {
                new SmtpSink(world, "mx1.ccc.de", "10.0.3.1"),
                new SmtpSink(world, "mx2.ccc.de", "10.0.3.2"),
                new SmtpSink(world, "mail.ddd.net", "10.0.4.1"),
                new SmtpSink(world, "mx.eee.org", "10.0.5.1"),
                new SmtpSink(world, "backup.bbb.de", "10.0.2.20"),
            };
            foreach (SmtpSink s in sinks) world.Internet.Add(s);

            // ---- DNS: the zone and its truth ----
            DnsZone z = world.Dns;
            z.Mx("aaa.com", 10, "smtp.aaa.com");
            z.A("smtp.aaa.com", "10.0.0.1");
            z.A("mx.bbb.de", "10.0.0.2");
            z.A("mx0.bbb.de", "10.0.2.10");
            z.A("backup.bbb.de", "10.0.2.20");
            string layout;
            switch (r.Next(4))
            {
                case 0: z.Mx("bbb.de", 10, "mx.bbb.de"); layout = "bbb.de MX 10 mx.bbb.de"; break;
                case 1: z.Mx("bbb.de", 5, "mx0.bbb.de"); z.Mx("bbb.de", 10, "mx.bbb.de"); layout = "bbb.de MX 5 mx0 (dead), 10 mx.bbb.de"; break;
                case 2: z.Mx("bbb.de", 10, "mx.bbb.de"); z.Mx("bbb.de", 20, "backup.bbb.de"); layout = "bbb.de MX 10 mx.bbb.de, 20 backup (sink)"; break;
                default: z.Mx("bbb.de", 10, "mx0.bbb.de"); z.Mx("bbb.de", 10, "mx.bbb.de"); layout = "bbb.de MX 10 mx0 (dead), 10 mx.bbb.de"; break;
            }
            if (r.Next(2) == 0) world.Internet.SetAvailability("10.0.2.10", Availability.Blackhole);
            z.Mx("ccc.de", 10, "mx1.ccc.de");
            z.Mx("ccc.de", 20, "mx2.ccc.de");
            z.A("mx1.ccc.de", "10.0.3.1");
            z.A("mx2.ccc.de", "10.0.3.2");
            z.A("ddd.net", "10.0.4.1");
            z.Mx("eee.org", 10, "mx.eee.org");
            z.A("mx.eee.org", "10.0.5.1");
            z.NullMx("nullmx.example");
            world.Ledger.MissingDomains.Add("nx.example");
            world.Ledger.NullMxDomains.Add("nullmx.example");
            world.Ledger.UnknownRecipients.Add("nobody@bbb.de");
            bool down = r.Next(10) < 3;
            if (down)
            {
                z.Mx("down.example", 10, "mx.down.example");
                z.A("mx.down.example", "10.0.9.9");
                if (r.Next(2) == 0) world.Internet.SetAvailability("10.0.9.9", Availability.Blackhole);
            }
            world.Internet.Wire();
            world.Note("world " + seed + (plant != null ? " with planted bug " + plant : "") + ": " + layout +
                       "; queue.lifetime " + LifetimeMs / Hour + "h, warn_after " + a.Config.WarnAfterMs / Minute + "m" +
                       "; spool.max_bytes A " + a.Config.SpoolMaxBytes + ", B " + b.Config.SpoolMaxBytes);

            // ---- Traffic ----
            int messages = 3 + r.Next(6);
            for (int i = 1; i <= messages; i++) AddMessage(world, "M" + i, a, b, down, r);
            int probes = r.Next(3);
            for (int i = 1; i <= probes; i++) AddProbe(world, "P" + i, a, r);
            foreach (GatewayNode g in new[] { a, b })
            {
                foreach (string user in g.UserNames)
                {
                    for (long t = 10 * Minute + r.Next(30) * Minute; t < TrafficMs + 2 * Hour; t += 20 * Minute + r.Next(40) * Minute)
                    {
                        long at = t;
                        bool delete = r.Next(10) < 7;
                        GatewayNode node = g;
                        string u = user;
                        if (at < TrafficMs) world.BusyMoments.Add(at);
                        world.Schedule(at, "fetch", () => world.AddActor(new Pop3Fetch(world, node, u, delete, at)));
                    }
                }
            }

            // ---- Faults ----
            PlanHosts(world, b, sinks, r);
            PlanSinks(world, sinks, r);
            PlanLinks(world, r);
            PlanDns(world, r);
            foreach (GatewayNode g in new[] { a, b }) PlanMachine(world, g, r);

            // ---- Heal ----
            world.Schedule(TrafficMs, "heal", () => Heal(world, down));
            return world;
        }

        /// <summary>Plays a built world to its end: the traffic phase, then until the queues drain (bounded).</summary>
        public static void Play(World world) => Play(world, TrafficMs);

        /// <summary>Boots the gateways, runs trafficMs, then until the queues drain (at most queue.lifetime and 8 hours more).</summary>
        public static void Play(World world, long trafficMs)
        {
            foreach (GatewayNode g in world.Internet.Gateways) g.Boot();
            world.RunUntil(trafficMs);
            world.RunUntil(trafficMs + LifetimeMs + 8 * Hour, () => Drained(world));
            world.Note("world ends" + (Drained(world) ? ", every queue drained" : ", queues not drained"));
        }

        public static bool Drained(World world)
        {
            if (!world.ActorsFinished) return false;
            foreach (GatewayNode g in world.Internet.Gateways)
            {
                if (!g.IsUp) return false;
                if (g.Gateway.Spool.Count > g.Gateway.Spool.HeldCount || g.Gateway.Queue.RunningJobs > 0) return false;
                if (!g.Gateway.Queue.AllInMemory) return false;
                if (g.Gateway.Spool.UnreadableCount > 0 || g.Gateway.Spool.LeftoverCount > 0) return false;
            }
            return world.Internet.OpenLinks == 0;
        }

        private static GatewayConfig Config(string hostname, string address, string localDomain, string postmaster, Random r)
        {
            GatewayConfig c = GatewayConfigFor(hostname, address, localDomain, postmaster);
            c.WarnAfterMs = r.Next(3) == 0 ? 0 : Hour;
            if (r.Next(100) < 15) c.SpoolMaxBytes = 48 * 1024 + r.Next(112) * 1024;
            if (r.Next(100) < 30) c.QueueIndexSize = 4 + r.Next(4); // most of the queue waits on the card
            int io = r.Next(3);
            if (io > 0) c.IoBufferBytes = io == 1 ? 4096 : 16384;  // a host's bigger steps (limits.io_buffer)
            return c;
        }

        /// <summary>A gateway of the world: SMTP and POP3 (plaintext logins) on its address, one local domain, the world's DNS.</summary>
        public static GatewayConfig GatewayConfigFor(string hostname, string address, string localDomain, string postmaster)
        {
            var c = new GatewayConfig();
            c.Hostname = hostname;
            c.SmtpListen = new[] { new ListenEndpoint(address, 25) };
            c.Pop3Listen = new[] { new ListenEndpoint(address, Pop3Fetch.Port) };
            c.Pop3AuthPlaintext = true;
            c.LocalDomains = new[] { localDomain };
            c.Aliases = new[] { new Alias("postmaster", new[] { postmaster }) };
            Set(c, "dns.servers", Internet.DnsAddress);
            c.QueueLifetimeMs = LifetimeMs;
            c.WarnAfterMs = Hour;
            return c;
        }

        public static void Set(GatewayConfig c, string key, string value)
        {
            string error = ConfigParser.Set(c, key, value);
            if (error != null) throw new InvalidOperationException(error);
        }

        private static void AddMessage(World world, string tag, GatewayNode a, GatewayNode b, bool down, Random r)
        {
            bool toB = r.Next(100) < 15;
            string sender;
            int s = r.Next(100);
            if (toB) sender = s < 50 ? "friend" + tag.ToLowerInvariant() + "@ddd.net" : s < 80 ? "person1@aaa.com" : "";
            else sender = s < 60 ? "person1@aaa.com" : s < 75 ? "dev" + tag.ToLowerInvariant() + "@ddd.net" : s < 90 ? "" : "friend@eee.org";
            var pool = new List<string>();
            string t = tag.ToLowerInvariant();
            if (toB)
            {
                pool.AddRange(new[] { "person2@bbb.de", "person3@bbb.de" });
                if (r.Next(5) == 0) pool.Add("nobody@bbb.de");
            }
            else
            {
                pool.AddRange(new[]
                {
                    "person2@bbb.de", "person3@bbb.de", "person2@bbb.de", "u" + t + "@ccc.de", "u" + t + "@ccc.de", "u" + t + "@ddd.net",
                    "u" + t + "@eee.org", "person1@aaa.com",
                });
                if (r.Next(4) == 0) pool.Add("nobody" + t + "@eee.org");
                if (r.Next(5) == 0) pool.Add("nobody@bbb.de");
                if (r.Next(6) == 0) pool.Add("x" + t + "@nx.example");
                if (r.Next(6) == 0) pool.Add("x" + t + "@nullmx.example");
                if (down && r.Next(3) == 0) pool.Add("x" + t + "@down.example");
            }
            int count = 1 + r.Next(3);
            var recipients = new List<string>();
            for (int i = 0; i < count; i++)
            {
                string pick = pool[r.Next(pool.Count)];
                if (!recipients.Contains(pick)) recipients.Add(pick);
            }
            int size = r.Next(10) == 0 ? 20_000 + r.Next(50_000) : 300 + r.Next(4000);
            var message = new MessageSpec(tag, sender, recipients.ToArray(),
                                          MessageSpec.MakeContent(tag, sender, recipients.ToArray(), size, new Random(world.Seed * 101 + tag.GetHashCode32())));
            world.Ledger.AddMessage(message);
            long at = Minute + (long)(r.NextDouble() * 2 * Hour);
            GatewayNode to = toB ? b : a;
            string client = toB ? "203.0.113." + (10 + r.Next(100)) : "192.168.1." + (10 + r.Next(100));
            var submission = new Submission(world, message, to, client, at, !toB)
            {
                GatewayDomains = to.Config.LocalDomains,
            };
            world.BusyMoments.Add(at);
            world.Schedule(at, "submit " + tag, () =>
            {
                world.Note("submit " + tag + " from <" + sender + "> to " + string.Join(", ", recipients) + " via " + to.Name + " (" + message.Content.Length + " bytes)");
                world.AddActor(submission);
            });
        }

        // An outside client asks A to relay: the foreign recipient must be refused (554 5.7.1),
        // mail for A's own domain accepted.
        private static void AddProbe(World world, string tag, GatewayNode a, Random r)
        {
            string[] recipients = { "victim" + tag.ToLowerInvariant() + "@ccc.de", "person1@aaa.com" };
            var message = new MessageSpec(tag, "spammer@203-0-113-66.example", recipients,
                                          MessageSpec.MakeContent(tag, "spammer@203-0-113-66.example", recipients, 400, new Random(world.Seed + 5)));
            world.Ledger.AddMessage(message);
            long at = Minute + (long)(r.NextDouble() * 2 * Hour);
            var submission = new Submission(world, message, a, "203.0.113.66", at, false) { GatewayDomains = a.Config.LocalDomains, MaxTries = 2 };
            world.Schedule(at, "probe " + tag, () =>
            {
                world.Note("outside client 203.0.113.66 asks A to relay " + tag);
                world.AddActor(submission);
            });
        }

        // ---- Faults --------------------------------------------------------------------------------

        private static void PlanHosts(World world, GatewayNode b, List<SmtpSink> sinks, Random r)
        {
            var addresses = new List<string> { b.Address };
            foreach (SmtpSink s in sinks) addresses.Add(s.Address);
            foreach (string address in addresses)
            {
                if (r.Next(100) >= 35) continue;
                long from = (long)(r.NextDouble() * (TrafficMs - 30 * Minute));
                long to = Math.Min(TrafficMs, from + 5 * Minute + (long)(r.NextDouble() * 90 * Minute));
                Availability kind = r.Next(10) < 6 ? Availability.Refusing : Availability.Blackhole;
                string host = address;
                world.Schedule(from, "down", () =>
                {
                    world.Note(host + " goes " + kind.ToString().ToLowerInvariant());
                    world.Ledger.Count("hosts down");
                    world.Internet.SetAvailability(host, kind);
                });
                world.Schedule(to, "up", () =>
                {
                    world.Note(host + " is up again");
                    world.Internet.SetAvailability(host, Availability.Up);
                });
            }
        }

        private static void PlanSinks(World world, List<SmtpSink> sinks, Random r)
        {
            foreach (SmtpSink s in sinks)
            {
                s.Greylist = r.Next(10) < 3;
                int windows = r.Next(4);
                for (int i = 0; i < windows; i++)
                {
                    var stage = (SinkStage)r.Next(6);
                    SinkAction action = PickAction(stage, r);
                    long from = (long)(r.NextDouble() * (TrafficMs - 10 * Minute));
                    long to = Math.Min(TrafficMs, from + Minute + (long)(r.NextDouble() * 60 * Minute));
                    var fault = new SinkFault { Stage = stage, Action = action, FromMs = from, ToMs = to };
                    s.Faults.Add(fault);
                    world.Note("plan: sink " + s.Name + " " + fault);
                }
            }
        }

        private static SinkAction PickAction(SinkStage stage, Random r)
        {
            int n = r.Next(100);
            switch (stage)
            {
                case SinkStage.Greeting:
                    return n < 40 ? SinkAction.Soft : n < 60 ? SinkAction.Stall : n < 80 ? SinkAction.Reset : SinkAction.Close421;
                case SinkStage.Dot:
                    return n < 25 ? SinkAction.Soft : n < 35 ? SinkAction.Hard : n < 50 ? SinkAction.Stall : n < 60 ? SinkAction.Reset
                         : n < 80 ? SinkAction.KeepAndStall : SinkAction.KeepAndReset;
                default:
                    return n < 35 ? SinkAction.Soft : n < 50 ? SinkAction.Hard : n < 65 ? SinkAction.Stall : n < 80 ? SinkAction.Reset : SinkAction.Close421;
            }
        }

        private static void PlanLinks(World world, Random r)
        {
            int windows = r.Next(3);
            for (int i = 0; i < windows; i++)
            {
                long from = (long)(r.NextDouble() * (TrafficMs - 10 * Minute));
                var fault = new LinkFault
                {
                    FromMs = from,
                    ToMs = Math.Min(TrafficMs, from + Minute + (long)(r.NextDouble() * 45 * Minute)),
                    To = r.Next(2) == 0 ? null : "10.0.0.2",
                    Stall = r.Next(3) == 0,
                    AfterBytes = 10 + r.Next(4000),
                };
                world.Internet.LinkFaults.Add(fault);
                world.Note("plan: links " + fault);
            }
        }

        private static void PlanDns(World world, Random r)
        {
            string[] domains = { null, null, "bbb.de", "ccc.de", "ddd.net", "eee.org", "mx.bbb.de" };
            int windows = r.Next(3);
            for (int i = 0; i < windows; i++)
            {
                long from = (long)(r.NextDouble() * (TrafficMs - 10 * Minute));
                var fault = new DnsFault
                {
                    Kind = (DnsFaultKind)r.Next(5),
                    Domain = domains[r.Next(domains.Length)],
                    FromMs = from,
                    ToMs = Math.Min(TrafficMs, from + Minute + (long)(r.NextDouble() * 40 * Minute)),
                };
                if (fault.Kind == DnsFaultKind.Unreachable)
                {
                    fault.Domain = null;
                    world.Schedule(fault.FromMs, "dns unreachable", () => world.Internet.SetAvailability(Internet.DnsAddress, Availability.Unreachable));
                    world.Schedule(fault.ToMs, "dns reachable", () => world.Internet.SetAvailability(Internet.DnsAddress, Availability.Up));
                }
                world.Dns.Faults.Add(fault);
                world.Note("plan: dns " + fault);
            }
        }

        private static void PlanMachine(World world, GatewayNode g, Random r)
        {
            // Power cuts: armed at a moment, they strike at the k-th card operation after it. Half
            // are armed as a message or a fetch begins (the card is busy then: receiving, the
            // recipient log, local delivery, bounces, POP3 deletions), the others at any time.
            int cuts = r.Next(5);
            for (int i = 0; i < cuts; i++)
            {
                long at = r.Next(2) == 0 && world.BusyMoments.Count > 0
                    ? world.BusyMoments[r.Next(world.BusyMoments.Count)]
                    : (long)(r.NextDouble() * TrafficMs);
                int k = r.Next(2) == 0 ? r.Next(12) : r.Next(60);
                world.Schedule(at, "arm power cut", () =>
                {
                    if (!g.IsUp) return;
                    world.Note("arm: " + g.Name + " loses power after " + k + " more card operations");
                    g.ArmPowerCut(k);
                });
            }
            g.TornRebootChance = 0.5;
            g.MaxDowntimeMs = r.Next(3) == 0 ? 0 : 15 * Minute;

            // Card errors: one operation fails (spool or a mailbox folder), or the card is full a while.
            int errors = r.Next(4);
            for (int i = 0; i < errors; i++)
            {
                long at = (long)(r.NextDouble() * TrafficMs);
                var op = (StorageOperation)Enum.Parse(typeof(StorageOperation), OpOptions[r.Next(OpOptions.Length)]);
                bool mailbox = r.Next(4) == 0;
                int after = r.Next(3) == 0 ? r.Next(40) : -1;
                world.Schedule(at, "card error", () =>
                {
                    if (!g.IsUp) return;
                    SimulatedStorage card = g.Card;
                    string where = "spool";
                    if (mailbox)
                    {
                        string user = new List<string>(g.UserNames)[0];
                        card = g.Folders.Card(g.MailboxFolder(user));
                        where = "mailbox " + user;
                    }
                    var error = new IOException(op == StorageOperation.Read || op == StorageOperation.OpenRead ? "read error (simulated)" : "I/O error (simulated)");
                    if (after >= 0)
                    {
                        card.FailAfter(after, error);
                        world.Note("arm: " + g.Name + " " + where + " fails the card operation after " + after + " more");
                    }
                    else
                    {
                        card.FailNext(op, error);
                        world.Note("arm: " + g.Name + " " + where + " fails its next " + op);
                    }
                });
            }
            if (r.Next(100) < 20)
            {
                long from = (long)(r.NextDouble() * (TrafficMs - 10 * Minute));
                long to = Math.Min(TrafficMs, from + 5 * Minute + (long)(r.NextDouble() * 40 * Minute));
                world.Schedule(from, "card full", () =>
                {
                    if (!g.IsUp) return;
                    world.Note(g.Name + "'s card is full");
                    g.Card.FailWrites(new IOException("No space left on device (simulated)"));
                });
                world.Schedule(to, "card ok", () =>
                {
                    world.Note(g.Name + "'s card has room again");
                    g.Card.HealWrites();
                });
            }

            // Clocks: no real-time clock (1970 until SNTP), and NTP steps either way.
            if (r.Next(100) < 25)
            {
                g.HasRtc = false;
                g.SntpDelayMs = Minute + r.Next(30) * Minute;
                world.Note("plan: " + g.Name + " has no real-time clock; SNTP answers " + g.SntpDelayMs / Minute + " min after each boot");
            }
            if (r.Next(100) < 25)
            {
                long at = (long)(r.NextDouble() * TrafficMs);
                long jump = (long)((Minute + r.NextDouble() * 3 * 24 * Hour) * (r.Next(2) == 0 ? -1 : 1));
                long fixAt = Math.Min(TrafficMs, at + Minute + (long)(r.NextDouble() * Hour));
                world.Schedule(at, "clock jump", () =>
                {
                    if (!g.IsUp) return;
                    g.Clock.SetUnixMs(g.Clock.UnixMs() + jump);
                    world.Ledger.Count("clock jumps");
                    world.Note(g.Name + "'s clock jumps by " + (jump / Minute) + " min");
                });
                world.Schedule(fixAt, "clock fixed", () =>
                {
                    if (!g.IsUp) return;
                    g.Clock.SetUnixMs(world.TrueUnixMs(world.Now));
                    world.Note(g.Name + "'s clock is set right");
                });
            }
        }

        private static void Heal(World world, bool down)
        {
            world.Note("heal: every fault ends; the truth's dead hosts stay dead");
            foreach (GatewayNode g in world.Internet.Gateways)
            {
                g.Card.CancelPowerCut();
                g.Card.HealWrites();
                if (g.IsUp) g.Clock.SetUnixMs(world.TrueUnixMs(world.Now));
            }
            foreach (string address in new[] { "10.0.0.2", "10.0.3.1", "10.0.3.2", "10.0.4.1", "10.0.5.1", "10.0.2.20", Internet.DnsAddress })
            {
                world.Internet.SetAvailability(address, Availability.Up);
            }
        }
    }
}
