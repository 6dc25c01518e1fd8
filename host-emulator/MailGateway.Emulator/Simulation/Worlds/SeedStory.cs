// `mailgw simulate seed-story`: the story of DESIGN.md played end to end in one world without
// faults but the story's own (a dead best MX, two MX hosts down for a while, a greylisting host, a
// user that does not exist), printed step by step as a person would follow it: the dialogs, the
// gateways' log lines about each message, and after each step what was checked ("ok" or
// "FAILED"). At the end the campaign's checker judges the whole world too. Exit 0 only when every
// step and every invariant held.
//
//   1. Relay control at A: an outside client may send to aaa.com, not through A (554 5.7.1);
//      a LAN device may send anywhere.
//   2. MX lookup, lowest preference: person2@bbb.de goes to mx.bbb.de (gateway B, MX 10), not to
//      backup.bbb.de (MX 20).
//   3. A-record fallback: ddd.net has no MX; its A record is used.
//   4. The best MX is down: mx1.ccc.de refuses, mx2.ccc.de takes the mail.
//   5. Every MX down: fff.org's two hosts refuse; the mail is kept and retried, and delivered when
//      mx2.fff.org returns.
//   6. 4xx is retried: mx.eee.org greylists (450 4.7.1) the first try.
//   7. 5xx is bounced: nobody@eee.org is refused (550 5.1.1); person1 gets an RFC 3464 report
//      from the null sender in the mailbox A keeps.
//   8. Mailbox at B: the message to person2 is on B's card, in person2's mailbox.
//   9. POP3 pickup: person2's mail program fetches it from B, byte for byte, and deletes it.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace MailGateway.Emulator.Simulation.Worlds
{
    public static class SeedStory
    {
        private const long Minute = 60_000;

        private sealed class Story
        {
            public World World;
            public GatewayNode A, B;
            public TextWriter Output;
            public int Failures;
            public readonly Dictionary<string, Submission> Submissions = new Dictionary<string, Submission>();
            public Pop3Fetch Fetch;

            public void Step(string title)
            {
                Output.WriteLine();
                Output.WriteLine("== " + title + " ==");
            }

            public void Check(bool ok, string what)
            {
                Output.WriteLine((ok ? "   ok: " : "   FAILED: ") + what);
                if (!ok) Failures++;
            }

            public void Show(IEnumerable<string> lines)
            {
                foreach (string line in lines) Output.WriteLine("   " + line);
            }

            /// <summary>A's (or B's) log lines about the message the client got queued as its 250.</summary>
            public List<string> LogOf(GatewayNode g, string tag)
            {
                var lines = new List<string>();
                string id = QueueId(tag);
                if (id == null) return lines;
                foreach (string line in g.Log)
                {
                    if (line.Contains(" " + g.Name + ": " + id + ":", StringComparison.Ordinal)) lines.Add(line);
                }
                return lines;
            }

            public string QueueId(string tag)
            {
                foreach (Ledger.Acceptance a in World.Ledger.Accepted)
                {
                    if (a.Tag == tag) return a.QueueId;
                }
                return null;
            }

            public List<Copy> CopiesOf(string tag, string placePrefix)
            {
                var list = new List<Copy>();
                foreach (Copy c in World.Ledger.Copies)
                {
                    if (c.Tag == tag && c.Place.StartsWith(placePrefix, StringComparison.Ordinal)) list.Add(c);
                }
                return list;
            }

            public bool Logged(GatewayNode g, string tag, string text) => LogOf(g, tag).Exists(l => l.Contains(text, StringComparison.Ordinal));
        }

        public static int Run(TextWriter output)
        {
            var s = new Story { Output = output };
            Build(s);
            CampaignWorld.Play(s.World, 3 * 60 * Minute);
            Tell(s);
            Checker.Check(s.World);
            s.Step("Invariants of the whole story (the campaign's checker)");
            if (s.World.Ledger.Violations.Count == 0) s.Check(true, "every accepted recipient delivered or bounced once; no duplicate; nothing half-written; the loop never threw");
            foreach (Violation v in s.World.Ledger.Violations) s.Check(false, v.ToString());
            output.WriteLine();
            output.WriteLine(s.Failures == 0 ? "seed story: every step held" : "seed story: " + s.Failures + " check(s) FAILED");
            return s.Failures == 0 ? 0 : 1;
        }

        private static void Build(Story s)
        {
            var world = new World(0);
            s.World = world;
            world.Ledger.LifetimeMs = CampaignWorld.LifetimeMs;
            GatewayNode a = new GatewayNode(world, "A", "10.0.0.1", CampaignWorld.GatewayConfigFor("smtp.aaa.com", "10.0.0.1", "aaa.com", "person1"));
            a.AddUser("person1", "U0000001", "secret1");
            CampaignWorld.Set(a.Config, "relay.allow", "192.168.1.0/24");
            GatewayNode b = new GatewayNode(world, "B", "10.0.0.2", CampaignWorld.GatewayConfigFor("mx.bbb.de", "10.0.0.2", "bbb.de", "person2"));
            b.AddUser("person2", "U0000002", "secret2");
            s.A = a;
            s.B = b;
            world.Internet.Add(a);
            world.Internet.Add(b);
            var eee = new SmtpSink(world, "mx.eee.org", "10.0.5.1") { Greylist = true };
            foreach (SmtpSink sink in new[]
            {
                new SmtpSink(world, "backup.bbb.de", "10.0.2.20"), new SmtpSink(world, "mail.ddd.net", "10.0.4.1"),
                new SmtpSink(world, "mx1.ccc.de", "10.0.3.1"), new SmtpSink(world, "mx2.ccc.de", "10.0.3.2"), eee,
                new SmtpSink(world, "mx1.fff.org", "10.0.6.1"), new SmtpSink(world, "mx2.fff.org", "10.0.6.2"),
            })
            {
                world.Internet.Add(sink);
            }
            DnsZone z = world.Dns;
            z.Mx("bbb.de", 10, "mx.bbb.de");
            z.Mx("bbb.de", 20, "backup.bbb.de");
            z.A("mx.bbb.de", "10.0.0.2");
            z.A("backup.bbb.de", "10.0.2.20");
            z.A("ddd.net", "10.0.4.1");
            z.Mx("ccc.de", 10, "mx1.ccc.de");
            z.Mx("ccc.de", 20, "mx2.ccc.de");
            z.A("mx1.ccc.de", "10.0.3.1");
            z.A("mx2.ccc.de", "10.0.3.2");
            z.Mx("eee.org", 10, "mx.eee.org");
            z.A("mx.eee.org", "10.0.5.1");
            z.Mx("fff.org", 10, "mx1.fff.org");
            z.Mx("fff.org", 20, "mx2.fff.org");
            z.A("mx1.fff.org", "10.0.6.1");
            z.A("mx2.fff.org", "10.0.6.2");
            world.Internet.Wire();
            world.Internet.SetAvailability("10.0.3.1", Availability.Refusing);
            world.Internet.SetAvailability("10.0.6.1", Availability.Refusing);
            world.Internet.SetAvailability("10.0.6.2", Availability.Refusing);
            world.Schedule(45 * Minute, "mx2.fff.org returns", () =>
            {
                world.Note("mx2.fff.org is up again");
                world.Internet.SetAvailability("10.0.6.2", Availability.Up);
            });

            Submit(s, "P1", "spammer@outside.example", new[] { "victim@ccc.de", "person1@aaa.com" }, a, "203.0.113.66", false, 1);
            Submit(s, "M1", "person1@aaa.com", new[] { "person2@bbb.de" }, a, "192.168.1.20", true, 2);
            Submit(s, "M2", "person1@aaa.com", new[] { "user@ddd.net" }, a, "192.168.1.20", true, 3);
            Submit(s, "M3", "person1@aaa.com", new[] { "user@ccc.de" }, a, "192.168.1.20", true, 4);
            Submit(s, "M4", "person1@aaa.com", new[] { "user@fff.org" }, a, "192.168.1.20", true, 5);
            Submit(s, "M5", "person1@aaa.com", new[] { "user@eee.org" }, a, "192.168.1.20", true, 6);
            Submit(s, "M6", "person1@aaa.com", new[] { "nobody@eee.org" }, a, "192.168.1.20", true, 7);
            world.Schedule(150 * Minute, "fetch", () =>
            {
                s.Fetch = new Pop3Fetch(world, b, "person2", true, world.Now);
                world.AddActor(s.Fetch);
            });
        }

        private static void Submit(Story s, string tag, string sender, string[] to, GatewayNode via, string client, bool lan, int minute)
        {
            World world = s.World;
            byte[] content = MessageSpec.MakeContent(tag, sender, to, 600, new Random(tag.GetHashCode32()));
            var message = new MessageSpec(tag, sender, to, content);
            world.Ledger.AddMessage(message);
            var submission = new Submission(world, message, via, client, minute * Minute, lan) { GatewayDomains = via.Config.LocalDomains, MaxTries = 1 };
            s.Submissions[tag] = submission;
            world.Schedule(minute * Minute, "submit " + tag, () => world.AddActor(submission));
        }

        private static void Tell(Story s)
        {
            World w = s.World;
            TextWriter o = s.Output;
            o.WriteLine("The seed's story: person1@aaa.com sends through gateway A (smtp.aaa.com, 10.0.0.1) to person2@bbb.de,");
            o.WriteLine("whose mailbox is kept by gateway B (mx.bbb.de, 10.0.0.2); DNS at " + Internet.DnsAddress + " answers for every domain.");

            s.Step("1. Relay control at A");
            Submission probe = s.Submissions["P1"];
            s.Show(probe.Transcript);
            s.Check(probe.RefusedForGood.TryGetValue("victim@ccc.de", out string refusal) && refusal.StartsWith("554 5.7.1", StringComparison.Ordinal),
                    "an outside client may not relay through A: " + (refusal ?? "(no refusal)"));
            s.Check(probe.Accepted.Contains("person1@aaa.com"), "mail from outside for A's own domain aaa.com is accepted");
            Submission m1 = s.Submissions["M1"];
            s.Show(m1.Transcript);
            s.Check(m1.Accepted.Contains("person2@bbb.de"), "a LAN device (192.168.1.20, in relay.allow) may send to bbb.de: 250");

            s.Step("2. MX lookup: lowest preference first");
            s.Show(s.LogOf(s.A, "M1"));
            s.Check(s.Logged(s.A, "M1", "to=<person2@bbb.de>, relay=mx.bbb.de[10.0.0.2]:25") && s.Logged(s.A, "M1", "status=sent"),
                    "bbb.de MX 10 mx.bbb.de before MX 20 backup.bbb.de: sent to gateway B");
            s.Check(s.CopiesOf("M1", "sink backup.bbb.de").Count == 0, "the backup MX got nothing");

            s.Step("3. No MX: the domain's A record");
            s.Show(s.Submissions["M2"].Transcript.FindAll(l => l.StartsWith("S: 250 2.0.0", StringComparison.Ordinal)));
            s.Show(s.LogOf(s.A, "M2"));
            s.Check(s.Logged(s.A, "M2", "relay=ddd.net[10.0.4.1]:25") && s.CopiesOf("M2", "sink mail.ddd.net").Count == 1,
                    "ddd.net has no MX record; its A record 10.0.4.1 took the mail");

            s.Step("4. The best MX is down: the next one");
            s.Show(s.LogOf(s.A, "M3"));
            s.Check(s.Logged(s.A, "M3", "connect to mx1.ccc.de[10.0.3.1]:25: connection refused") &&
                    s.Logged(s.A, "M3", "relay=mx2.ccc.de[10.0.3.2]:25") && s.CopiesOf("M3", "sink mx2.ccc.de").Count == 1,
                    "mx1.ccc.de (MX 10) refused the connection; mx2.ccc.de (MX 20) took the mail");

            s.Step("5. Every MX down: kept, retried, delivered when one returns");
            s.Show(s.LogOf(s.A, "M4"));
            List<Copy> m4 = s.CopiesOf("M4", "sink mx2.fff.org");
            s.Check(s.Logged(s.A, "M4", "status=deferred"), "both fff.org hosts refused: deferred, not bounced");
            s.Check(m4.Count == 1 && m4[0].AtMs >= 45 * Minute,
                    "delivered to mx2.fff.org after it came back at 00:45" + (m4.Count == 1 ? " (at " + World.FormatTime(m4[0].AtMs) + ")" : ""));

            s.Step("6. A 4xx reply is retried");
            s.Show(s.LogOf(s.A, "M5"));
            s.Check(s.Logged(s.A, "M5", "450 4.7.1") && s.Logged(s.A, "M5", "status=deferred") && s.CopiesOf("M5", "sink mx.eee.org").Count == 1,
                    "mx.eee.org greylisted the first try (450 4.7.1); the retry was delivered");

            s.Step("7. A 5xx reply is bounced to the sender");
            s.Show(s.LogOf(s.A, "M6"));
            Copy bounce = w.Ledger.Copies.Find(c => c.ReportAbout == "M6" && c.Place == "mailbox A/person1");
            s.Check(s.Logged(s.A, "M6", "dsn=5.1.1, status=bounced"), "nobody@eee.org: 550 5.1.1 at RCPT, bounced at once");
            s.Check(bounce != null, "person1's mailbox at A holds the delivery status notification");
            if (bounce != null)
            {
                string text = Encoding.Latin1.GetString(bounce.Data);
                s.Show(Lines(text, "Return-Path:", "From:", "Subject:", "Content-Type: multipart/report", "<nobody@eee.org>:", "Final-Recipient:", "Action:", "Status:"));
                s.Check(bounce.Sender == "", "it comes from the null sender (Return-Path: <>), so it can never be bounced itself");
                s.Check(text.Contains("report-type=delivery-status", StringComparison.Ordinal) && text.Contains("Action: failed", StringComparison.Ordinal) &&
                        text.Contains("Status: 5.1.1", StringComparison.Ordinal) && text.Contains("X-Sim-Tag: M6", StringComparison.Ordinal),
                        "RFC 3464: a message/delivery-status part (Action: failed, Status: 5.1.1) and the original headers");
            }

            s.Step("8. The mailbox at B");
            List<Copy> inMailbox = s.CopiesOf("M1", "mailbox B/person2");
            s.Show(s.LogOf(s.B, "M1").Count > 0 ? s.LogOf(s.B, "M1") : B_Log(s, inMailbox));
            s.Check(inMailbox.Count == 1, "B stored M1 in person2's mailbox (folder U0000002, " + (inMailbox.Count == 1 ? inMailbox[0].CopyId.Split('#')[0] + ".EML" : "?") + ")");
            s.Check(inMailbox.Count == 1 && inMailbox[0].Content.AsSpan().SequenceEqual(w.Ledger.Messages["M1"].Content),
                    "byte for byte what person1 sent (below the Return-Path, Delivered-To and Received fields)");

            s.Step("9. POP3 pickup");
            if (s.Fetch != null) s.Show(s.Fetch.Transcript);
            bool fetched = s.Fetch != null && s.Fetch.Retrieved.Count == 1 &&
                           Link.MessageIdOf(s.Fetch.Retrieved[0].Value.AsSpan(Copy.SkipTrace(s.Fetch.Retrieved[0].Value)).ToArray()) == MessageSpec.MessageIdOf("M1");
            s.Check(fetched, "person2's mail program fetched M1 from B");
            s.Check(fetched && s.Fetch.Completed && s.B.Folders.Card("U0000002").PeekNames().Length == 0,
                    "deleted at QUIT (+OK): the mailbox is empty now");
        }

        private static List<string> B_Log(Story s, List<Copy> copies)
        {
            var lines = new List<string>();
            if (copies.Count == 0) return lines;
            string id = copies[0].CopyId.Split('#')[0];
            foreach (string line in s.B.Log)
            {
                if (line.Contains(" B: " + id + ":", StringComparison.Ordinal)) lines.Add(line);
            }
            return lines;
        }

        private static List<string> Lines(string text, params string[] starts)
        {
            var lines = new List<string>();
            foreach (string line in text.Split("\r\n"))
            {
                foreach (string start in starts)
                {
                    if (line.StartsWith(start, StringComparison.Ordinal))
                    {
                        lines.Add("| " + line);
                        break;
                    }
                }
            }
            return lines;
        }
    }
}
