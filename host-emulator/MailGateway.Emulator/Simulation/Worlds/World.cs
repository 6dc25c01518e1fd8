// A deterministic world of gateways, an internet, a DNS server, scripted SMTP sinks and clients,
// all on one virtual timeline (TigerBeetle's simulator, quinn's drive_bounded): nothing here reads
// the wall clock, sleeps or starts a thread, and every choice comes from the seed, so a seed
// replays exactly.
//
// The loop (RunUntil): run the events due now (Schedule: submissions, fetches, faults starting and
// ending); then settle the moment — every gateway's loop pass, the internet's links, the actors —
// round after round until nobody has anything more to do at this time; look at the mailboxes;
// then jump the virtual time to the next thing anyone waits for (an event, a gateway's
// NextDeadlineMs, an actor's timeout), at most MaxStepMs ahead. Every gateway's VirtualClock
// advances with the world (the monotonic clocks equal world time; a wall clock may be set apart).
//
// Mailboxes are observed from outside (ScanMailboxes, with SimulatedStorage.PeekNames/PeekFile so
// that no scripted fault is used up): every .EML seen is a Copy in the ledger. A message POP3
// deleted for good (+OK to QUIT) that shows up again under the same name is a new copy. The spools
// are looked at too, after each settled moment (GatewayNode.ObserveSpool), for the notifications
// a gateway has just queued.
using System;
using System.Collections.Generic;

namespace MailGateway.Emulator.Simulation.Worlds
{
    public interface IActor
    {
        /// <summary>Acts on what happened; true if it did anything (the moment is not settled yet).</summary>
        bool Pump(long nowMs);
        /// <summary>When it must act at the latest, without news (long.MaxValue: never).</summary>
        long NextDeadlineMs { get; }
        bool Finished { get; }
    }

    public sealed class World
    {
        /// <summary>The true wall-clock time at the world's start: Mon, 21 Sep 2026.</summary>
        public const long StartUnixMs = 1_790_000_000_000;
        /// <summary>The longest jump of virtual time when nobody waits for anything sooner.</summary>
        public const long MaxStepMs = 5 * 60_000;
        /// <summary>Rounds in one moment after which a gateway that is never done is a finding.</summary>
        public const int MaxRoundsPerMoment = 20_000;

        private readonly PriorityQueue<ScheduledEvent, (long, long)> _events = new PriorityQueue<ScheduledEvent, (long, long)>();
        private long _eventSequence;
        private readonly List<IActor> _actors = new List<IActor>();
        private readonly Dictionary<string, int> _deletedGenerations = new Dictionary<string, int>(StringComparer.Ordinal);
        private readonly Dictionary<string, byte[]> _mailboxSeen = new Dictionary<string, byte[]>(StringComparer.Ordinal);

        private sealed class ScheduledEvent
        {
            public string What;
            public Action Action;
        }

        public World(int seed)
        {
            Seed = seed;
            Random = new Random(seed);
            Ledger = new Ledger();
            Dns = new DnsZone(this);
            Internet = new Internet(this);
        }

        public int Seed { get; }
        /// <summary>The world's own choices (never the gateways').</summary>
        public Random Random { get; }
        public long Now { get; private set; }
        public Ledger Ledger { get; }
        public DnsZone Dns { get; }
        public Internet Internet { get; }
        /// <summary>Print each event as it happens (story, --verbose).</summary>
        public Action<string> Echo;

        public long TrueUnixMs(long worldMs) => StartUnixMs + worldMs;

        public static string FormatTime(long ms)
        {
            long days = ms / 86_400_000;
            var t = TimeSpan.FromMilliseconds(ms % 86_400_000);
            return (days > 0 ? days + "d+" : "") + t.ToString(@"hh\:mm\:ss\.fff");
        }

        /// <summary>The inverse of FormatTime.</summary>
        public static long ParseTime(string text)
        {
            long days = 0;
            int plus = text.IndexOf("d+", StringComparison.Ordinal);
            if (plus >= 0)
            {
                days = long.Parse(text.Substring(0, plus), System.Globalization.CultureInfo.InvariantCulture);
                text = text.Substring(plus + 2);
            }
            return days * 86_400_000 + (long)TimeSpan.ParseExact(text, @"hh\:mm\:ss\.fff", System.Globalization.CultureInfo.InvariantCulture).TotalMilliseconds;
        }

        public void Note(string text)
        {
            string line = FormatTime(Now) + " " + text;
            Ledger.Events.Add(line);
            Echo?.Invoke(line);
        }

        public void Schedule(long atMs, string what, Action action)
        {
            _events.Enqueue(new ScheduledEvent { What = what, Action = action }, (Math.Max(atMs, Now), _eventSequence++));
        }

        public void AddActor(IActor actor) => _actors.Add(actor);

        /// <summary>Moments when something begins (a submission, a fetch): where a fault plan may aim.</summary>
        public readonly List<long> BusyMoments = new List<long>();

        public bool ActorsFinished
        {
            get
            {
                foreach (IActor a in _actors)
                {
                    if (!a.Finished) return false;
                }
                return true;
            }
        }

        /// <summary>Plays the world until endMs, or until done() says so after a settled moment.</summary>
        public void RunUntil(long endMs, Func<bool> done = null)
        {
            while (true)
            {
                while (_events.TryPeek(out _, out (long At, long Seq) when) && when.At <= Now)
                {
                    ScheduledEvent e = _events.Dequeue();
                    e.Action();
                    Settle();
                }
                Settle();
                if (done != null && done()) return;
                if (Now >= endMs) return;
                long next = Math.Min(endMs, Now + MaxStepMs);
                if (_events.TryPeek(out _, out (long At, long Seq) first)) next = Math.Min(next, first.At);
                foreach (GatewayNode g in Internet.Gateways) next = Math.Min(next, g.NextDeadlineMs);
                foreach (IActor a in _actors) next = Math.Min(next, a.NextDeadlineMs);
                if (next <= Now) next = Now + 1;
                AdvanceTo(next);
            }
        }

        private void AdvanceTo(long t)
        {
            long dt = t - Now;
            foreach (GatewayNode g in Internet.Gateways) g.Clock.Advance(dt);
            Now = t;
        }

        /// <summary>Runs passes, links and actors until nothing more happens at this moment.</summary>
        public void Settle()
        {
            for (int round = 0; ; round++)
            {
                bool busy = false;
                foreach (GatewayNode g in Internet.Gateways) busy |= g.Step();
                busy |= Internet.Pump(Now);
                for (int i = 0; i < _actors.Count; i++) busy |= _actors[i].Pump(Now);
                if (!busy) break;
                if (round == MaxRoundsPerMoment)
                {
                    Ledger.Violate("spin", "a gateway's loop still had work after " + MaxRoundsPerMoment + " passes at " + FormatTime(Now));
                    break;
                }
            }
            _actors.RemoveAll(a => a.Finished);
            ScanMailboxes();
            foreach (GatewayNode g in Internet.Gateways)
            {
                if (g.IsUp) g.ObserveSpool();
            }
        }

        // ---- Mailboxes ---------------------------------------------------------------------------

        /// <summary>Records every .EML on every running gateway's mailbox folders as a copy (see the header).</summary>
        public void ScanMailboxes()
        {
            foreach (GatewayNode g in Internet.Gateways)
            {
                if (!g.IsUp) continue;
                foreach (string user in g.UserNames)
                {
                    SimulatedStorage folder = g.Folders.Card(g.MailboxFolder(user));
                    foreach (string name in folder.PeekNames())
                    {
                        if (!name.EndsWith(".EML", StringComparison.Ordinal)) continue;
                        string uid = name.Substring(0, name.Length - 4);
                        byte[] data = folder.PeekFile(name);
                        string key = MailboxKey(g, user, uid);
                        if (_mailboxSeen.TryGetValue(key, out byte[] seen) && seen.Length == data.Length) continue;
                        _mailboxSeen[key] = data;
                        RecordMailboxCopy(g, user, uid, data);
                    }
                }
            }
        }

        /// <summary>
        /// The Message-IDs of mail on a gateway's mailbox folders that no scan has seen yet: what it
        /// delivered locally in the very moment it lost power (before it could record it).
        /// </summary>
        public List<string> UnseenMailboxMessages(GatewayNode g)
        {
            var ids = new List<string>();
            foreach (string user in g.UserNames)
            {
                SimulatedStorage folder = g.Folders.Card(g.MailboxFolder(user));
                foreach (string name in folder.PeekNames())
                {
                    if (!name.EndsWith(".EML", StringComparison.Ordinal)) continue;
                    byte[] data = folder.PeekFile(name);
                    if (_mailboxSeen.TryGetValue(MailboxKey(g, user, name.Substring(0, name.Length - 4)), out byte[] seen) && seen.Length == data.Length) continue;
                    ids.Add(Link.MessageIdOf(data.AsSpan(Copy.SkipTrace(data)).ToArray()));
                }
            }
            return ids;
        }

        /// <summary>A message found in a mailbox (on the card or by POP3 RETR).</summary>
        public void RecordMailboxCopy(GatewayNode g, string user, string uid, byte[] data)
        {
            string key = MailboxKey(g, user, uid);
            _deletedGenerations.TryGetValue(key, out int generation);
            var copy = new Copy
            {
                Place = "mailbox " + g.Name + "/" + user,
                CopyId = uid + "#" + generation,
                Via = g.Name,
                Sender = ReturnPath(data),
                Recipients = new[] { DeliveredTo(data) ?? user },
                Data = data,
                AtMs = Now,
            };
            if (Ledger.AddCopy(copy))
            {
                g.NoteDelivered(copy.MessageId);
                Note("mailbox " + g.Name + "/" + user + " holds " + copy.MessageId + " as " + uid + (generation > 0 ? " (again, after its deletion)" : ""));
            }
        }

        /// <summary>POP3 deleted this message for good (+OK to QUIT): if it shows up again, it is a new copy.</summary>
        public void ConfirmDeleted(GatewayNode g, string user, string uid)
        {
            string key = MailboxKey(g, user, uid);
            _deletedGenerations.TryGetValue(key, out int generation);
            _deletedGenerations[key] = generation + 1;
            _mailboxSeen.Remove(key);
        }

        /// <summary>Mailbox copies (place, copy ID) that POP3 retrieved; the rest must still be on the card at the end.</summary>
        public readonly HashSet<string> Retrieved = new HashSet<string>(StringComparer.Ordinal);

        public string CurrentCopyId(GatewayNode g, string user, string uid)
        {
            _deletedGenerations.TryGetValue(MailboxKey(g, user, uid), out int generation);
            return uid + "#" + generation;
        }

        private static string MailboxKey(GatewayNode g, string user, string uid) => g.Name + "/" + user + "/" + uid;

        private static string ReturnPath(byte[] data)
        {
            string value = TraceField(data, "Return-Path:");
            if (value == null) return null;
            return value.Trim().TrimStart('<').TrimEnd('>');
        }

        private static string DeliveredTo(byte[] data) => TraceField(data, "Delivered-To:")?.Trim();

        private static string TraceField(byte[] data, string name)
        {
            int end = Copy.SkipTrace(data);
            string head = System.Text.Encoding.Latin1.GetString(data, 0, end);
            foreach (string line in head.Split("\r\n"))
            {
                if (line.StartsWith(name, StringComparison.OrdinalIgnoreCase)) return line.Substring(name.Length);
            }
            return null;
        }
    }
}
