// One gateway in the world: its configuration, its SD card (the spool and the mailbox folders on
// one power supply), its network stack (a SimulatedNetwork the Internet wires to everyone else),
// its clock, its users, and the Gateway running on them while it has power.
//
// Step runs one loop pass. Only PowerCutException may come out of RunOnce: then the machine is
// dead — its connections go (Internet.OnCrash decides which deliveries it may now repeat), and
// the world boots it again after a downtime, on the card as a real card shows it after the cut
// (Reboot, or RebootTorn with a seed: part of what was not yet durable survives). Any other
// exception out of RunOnce or Start is a violation ("the loop never threw"). Internal errors the
// loop contained are counted across boots and reported too.
//
// The duplicate rule's other half lives here too: a gateway that loses power in the moment it
// queues a failure notification may send it again (its record may be lost), and so may one whose
// card failed to record a delivery or a notification before the cut (GatewayNode.Crash,
// ObserveSpool); the ledger notes each such window.
// A clock without a real-time clock (HasRtc false) starts each boot near 1970 and is set right by
// "SNTP" a while later. Planted bugs (PlantedBugs) wrap the spool's storage or the DNS lookups; a
// wrapped resolver is pumped here, since SmtpDeliveries pumps only the core's own resolver.
using System;
using System.Collections.Generic;
using MailGateway.Core.Config;
using MailGateway.Core.Delivery;
using MailGateway.Core.Dns;
using MailGateway.Core.Local;
using MailGateway.Core.Runtime;
using MailGateway.Emulator.Platform;

namespace MailGateway.Emulator.Simulation.Worlds
{
    public sealed class GatewayNode
    {
        private readonly World _world;
        private readonly Random _random;
        private readonly SimUsers _users = new SimUsers();

        // This boot
        private DnsResolver _pumpedResolver;
        private int _faultsSeen;
        private readonly List<long> _faultTimes = new List<long>();
        private readonly List<KeyValuePair<long, string>> _deliveredThisBoot = new List<KeyValuePair<long, string>>();
        private bool _threwThisBoot;
        private HashSet<string> _spoolSeen = new HashSet<string>(StringComparer.Ordinal);
        private readonly List<KeyValuePair<long, string>> _bouncesThisBoot = new List<KeyValuePair<long, string>>();

        public GatewayNode(World world, string name, string address, GatewayConfig config)
        {
            _world = world;
            Name = name;
            Address = address;
            Config = config;
            Card = new SimulatedStorage();
            Folders = new SimulatedStorageFolders(Card);
            Clock = new VirtualClock(world.TrueUnixMs(world.Now));
            _random = new Random(world.Seed * 7919 + name.GetHashCode32());
            Log = new List<string>();
        }

        public string Name { get; }
        public string Address { get; }
        public GatewayConfig Config { get; }
        public SimulatedNetwork Network { get; } = new SimulatedNetwork();
        public SimulatedStorage Card { get; }
        public SimulatedStorageFolders Folders { get; }
        public VirtualClock Clock { get; }
        public List<string> Log { get; }
        public Gateway Gateway { get; private set; }
        public bool IsUp => Gateway != null;

        // Faults and how the machine comes back
        public bool HasRtc = true;
        public long SntpDelayMs = 5 * 60_000;
        public double TornRebootChance = 0.5;
        public long MaxDowntimeMs = 10 * 60_000;
        public Func<IStorage, IStorage> WrapSpool;
        public Func<IDnsLookups, IDnsLookups> WrapLookups;

        // Counts over all boots
        public int Boots { get; private set; }
        public int PowerCuts { get; private set; }
        public int InternalErrors { get; private set; }
        public readonly List<string> InternalErrorLines = new List<string>();

        /// <summary>A local user with a mailbox folder and a POP3 password.</summary>
        public void AddUser(string user, string folder, string password)
        {
            _users.Folders[user] = folder;
            _users.Passwords[user] = password;
        }

        public string MailboxFolder(string user) => _users.MailboxFolder(user);
        public string Password(string user) => _users.Passwords[user];
        public IEnumerable<string> UserNames => _users.Folders.Keys;

        /// <summary>Powers the machine on (again): the card as the cut left it, a fresh gateway, Start.</summary>
        public void Boot()
        {
            if (Boots > 0)
            {
                if (_random.NextDouble() < TornRebootChance)
                {
                    int seed = _random.Next();
                    Card.RebootTorn(seed);
                    Folders.RebootTorn(seed + 1);
                    _world.Ledger.Count("torn reboots");
                    _world.Note(Name + " boots (torn reboot, seed " + seed + ")");
                }
                else
                {
                    Card.Reboot();
                    Folders.Reboot();
                    _world.Note(Name + " boots (clean reboot)");
                }
            }
            Boots++;
            _faultsSeen = Card.FaultsThrown + Folders.FaultsThrown;
            _faultTimes.Clear();
            _deliveredThisBoot.Clear();
            _bouncesThisBoot.Clear();
            _threwThisBoot = false;
            _spoolSeen = new HashSet<string>(Card.PeekNames(), StringComparer.Ordinal);
            if (!HasRtc)
            {
                // No real-time clock: 1970 (plus a little) until SNTP answers.
                Clock.SetUnixMs(_random.Next(1_000_000));
                int boot = Boots;
                _world.Schedule(_world.Now + SntpDelayMs, Name + " SNTP", () =>
                {
                    if (Boots != boot || !IsUp) return;
                    Clock.SetUnixMs(_world.TrueUnixMs(_world.Now));
                    _world.Note(Name + " clock set by SNTP");
                });
            }
            var log = new NodeLog(this, _world);
            var random = new HostRandom(_world.Seed * 1000 + Name.GetHashCode32() % 100 * 10 + Boots);
            IStorage spool = WrapSpool != null ? WrapSpool(Card) : Card;
            DnsResolver resolver = SmtpDeliveries.CoreResolver(Config, Network, random);
            IDnsLookups lookups = resolver;
            _pumpedResolver = null;
            if (WrapLookups != null)
            {
                lookups = WrapLookups(resolver);
                _pumpedResolver = resolver;
            }
            var deliveries = new SmtpDeliveries(Config, Network, spool, lookups, random, log);
            var mailboxes = new MailboxStore(Folders);
            var local = new LocalMail(_users, mailboxes, new AliasTable(Config.Aliases));
            deliveries.EnableLocalDelivery(mailboxes, _users);
            Gateway = new Gateway(Config, Network, spool, Clock, log, random, deliveries, local);
            try
            {
                Gateway.Start();
            }
            catch (PowerCutException e)
            {
                Crash("during start-up", e);
            }
            catch (Exception e)
            {
                _world.Ledger.Violate("loop-threw", Name + ": Start threw " + e.GetType().Name + ": " + e.Message);
                Gateway = null;
            }
        }

        /// <summary>One loop pass; true when the gateway wants another pass at once.</summary>
        public bool Step()
        {
            if (Gateway == null) return false;
            bool busy;
            try
            {
                if (_pumpedResolver != null) _pumpedResolver.Pump(Clock.MonotonicMs());
                busy = Gateway.RunOnce() == 0;
                // An answer from the DNS server is waiting: the platform's wait would wake for it.
                busy |= Gateway != null && Network.PendingDatagrams > 0;
            }
            catch (PowerCutException e)
            {
                Crash("in the loop", e);
                return true;
            }
            catch (Exception e)
            {
                if (!_threwThisBoot)
                {
                    _world.Ledger.Violate("loop-threw", Name + ": RunOnce threw " + e.GetType().Name + ": " + e.Message +
                                          " at " + FirstFrame(e));
                }
                _threwThisBoot = true;
                busy = false;
            }
            int faults = Card.FaultsThrown + Folders.FaultsThrown;
            if (faults != _faultsSeen)
            {
                _world.Ledger.Count("card faults hit", faults - _faultsSeen);
                _faultsSeen = faults;
                _faultTimes.Add(_world.Now);
            }
            return busy;
        }

        /// <summary>Whether a scripted card error hit this gateway at this very moment.</summary>
        public bool CardFailedNow => _faultTimes.Count > 0 && _faultTimes[_faultTimes.Count - 1] == _world.Now;

        /// <summary>When the gateway wants its next pass at the latest (world ms), long.MaxValue if never.</summary>
        public long NextDeadlineMs
        {
            get
            {
                if (Gateway == null) return long.MaxValue;
                long d = Gateway.NextDeadlineMs;
                if (_pumpedResolver != null) d = Math.Min(d, _pumpedResolver.PollDeadline());
                return d;
            }
        }

        /// <summary>
        /// Looks at the spool after a settled moment: the failure notifications queued since the
        /// last look are remembered ("tag|recipient"), for the crash rule of bounces (see Crash);
        /// a delivery made in a moment the card failed is remembered as one that may be repeated.
        /// </summary>
        public void ObserveSpool()
        {
            // A delivery made while this gateway's card failed (at this very moment) may be repeated:
            // the failed write makes the attempt count as deferred although the copy arrived.
            if (_faultTimes.Count > 0 && _faultTimes[_faultTimes.Count - 1] == _world.Now)
            {
                foreach (KeyValuePair<long, string> d in _deliveredThisBoot)
                {
                    if (d.Key == _world.Now) _world.Ledger.CrashWindow(d.Value, Name + "'s card failed as it delivered the message");
                }
            }
            foreach (string key in NewBounces()) _bouncesThisBoot.Add(new KeyValuePair<long, string>(_world.Now, key));
            _spoolSeen = new HashSet<string>(Card.PeekNames(), StringComparer.Ordinal);
        }

        // "tag|recipient" of every failure notification in a queue file that appeared since the last look.
        private List<string> NewBounces()
        {
            var keys = new List<string>();
            foreach (string name in Card.PeekNames())
            {
                if (_spoolSeen.Contains(name) || !(name.EndsWith(".MSG", StringComparison.Ordinal) || name.EndsWith(".TMP", StringComparison.Ordinal))) continue;
                var copy = new Copy { Data = SpoolPeek.BodyOf(Card.PeekFile(name)) };
                copy.Parse();
                if (copy.ReportAbout == null) continue;
                foreach (KeyValuePair<string, string> action in copy.ReportActions)
                {
                    if (action.Value == "failed") keys.Add(copy.ReportAbout + "|" + action.Key.ToLowerInvariant());
                }
            }
            return keys;
        }

        /// <summary>This gateway handed a copy of the message over (its final dot got 2xx, or it stored it in a mailbox).</summary>
        public void NoteDelivered(string messageId)
        {
            _deliveredThisBoot.Add(new KeyValuePair<long, string>(_world.Now, messageId));
        }

        /// <summary>The internal errors contained so far in this boot plus the earlier ones.</summary>
        public int InternalErrorsSoFar => InternalErrors + (Gateway == null ? 0 : Gateway.InternalErrors + Gateway.Queue.InternalErrors);

        /// <summary>Arms a power cut after this many more counted operations on the card (SimulatedStorage.CutPowerAfter).</summary>
        public void ArmPowerCut(int operations)
        {
            if (Gateway == null) return;
            Card.CutPowerAfter(operations);
        }

        private void Crash(string where, PowerCutException cut)
        {
            PowerCuts++;
            _world.Ledger.Count("power cuts");
            string during = During(cut);
            _world.Ledger.Count("power cuts in " + during);
            _world.Note(Name + " loses power " + where + ", in " + during + " (" + cut.Message + ")");
            if (Gateway != null) InternalErrors += Gateway.InternalErrors + Gateway.Queue.InternalErrors;
            _world.Internet.OnCrash(this);
            // A copy put into a mailbox in the moment the power went may not be recorded as delivered:
            // it is delivered again (after a restart the gateway finds it, unless POP3 took it meanwhile).
            foreach (string id in _world.UnseenMailboxMessages(this))
            {
                _world.Ledger.CrashWindow(id, Name + " lost power as it delivered the message into a mailbox");
            }
            // A delivery made while the card was failing may not have been recorded (it is kept in
            // memory to be written again); the cut forgets it and the delivery is repeated.
            foreach (string id in FollowedByACardFault(_deliveredThisBoot))
            {
                _world.Ledger.CrashWindow(id, Name + " lost power while its card failed to record the delivery");
            }
            // A bounce queued in the pass the power went may not be recorded as sent: it goes again.
            foreach (string key in NewBounces())
            {
                _world.Ledger.BounceCrashWindow(key, Name + " lost power as it queued the notification");
            }
            foreach (string key in FollowedByACardFault(_bouncesThisBoot))
            {
                _world.Ledger.BounceCrashWindow(key, Name + " lost power while its card failed to record the notification");
            }
            Network.Crash();
            Gateway = null;
            _pumpedResolver = null;
            long downtime = MaxDowntimeMs <= 0 ? 0 : (long)(_random.NextDouble() * MaxDowntimeMs);
            _world.Schedule(_world.Now + downtime, Name + " boot", Boot);
        }

        // The events of this boot (time, what) at or after which the card failed: their records may
        // not have reached the card.
        private IEnumerable<string> FollowedByACardFault(List<KeyValuePair<long, string>> events)
        {
            foreach (KeyValuePair<long, string> e in events)
            {
                if (_faultTimes.Exists(f => f >= e.Key)) yield return e.Value;
            }
        }

        // What the gateway was doing when the power went, from the stack (for the campaign's tally
        // of cuts per kind of card operation; the most specific part first).
        private static readonly string[][] Parts =
        {
            new[] { "QueueClock.", "queue clock" },
            new[] { "QueueRunner.CheckpointClock", "queue clock" },   // QueueClock.Checkpoint inlined (Release)
            new[] { "QueueIds.", "queue ID sequence" },
            new[] { "RecipientLog.", "recipient log" },
            new[] { "LocalDeliveryJob.", "local delivery" },
            new[] { "Maildrop.", "POP3 deletion" },
            new[] { "QueueRunner.QueueReport", "writing a bounce" },
            new[] { "Spool.CommitPending", "commit" },
            new[] { "Spool.Remove", "removal" },
            new[] { "Spool.SyncRemovals", "removal" },
            new[] { "Spool.AppendLog", "recipient log" },
            new[] { "Spool.Recover", "recovery" },
            new[] { "Spool.LoadUnreadable", "recovery" },
            new[] { "MessageFile.", "recovery" },
            new[] { "MessageBody.", "reading a message" },
            new[] { "SmtpDeliveryJob.CloseBody", "reading a message" }, // MessageBody.Close inlined (Release)
            new[] { "Spool.Abort", "abort" },
            new[] { "Gateway.StartMessage", "receive" },
            new[] { "Gateway.WriteBody", "receive" },
            new[] { "Gateway.EndMessage", "receive" },
        };

        private static string During(Exception e)
        {
            string trace = e.StackTrace ?? "";
            foreach (string[] part in Parts)
            {
                if (trace.Contains(part[0], StringComparison.Ordinal)) return part[1];
            }
            foreach (string line in trace.Split('\n'))
            {
                int at = line.IndexOf("MailGateway.Core.", StringComparison.Ordinal);
                if (at < 0) continue;
                string frame = line.Substring(at + "MailGateway.Core.".Length);
                int paren = frame.IndexOf('(');
                return "other (" + (paren < 0 ? frame : frame.Substring(0, paren)).Trim() + ")";
            }
            return "other";
        }

        private static string FirstFrame(Exception e)
        {
            string trace = e.StackTrace ?? "";
            int nl = trace.IndexOf('\n');
            return (nl < 0 ? trace : trace.Substring(0, nl)).Trim();
        }

        // The log: every line with the world time and the gateway's name; internal errors noted.
        private sealed class NodeLog : ILog
        {
            private readonly GatewayNode _node;
            private readonly World _world;

            public NodeLog(GatewayNode node, World world)
            {
                _node = node;
                _world = world;
            }

            public void Line(string text)
            {
                _node.Log.Add(World.FormatTime(_world.Now) + " " + _node.Name + ": " + text);
                if (text.Contains("internal error", StringComparison.Ordinal)) _node.InternalErrorLines.Add(_node.Name + ": " + text);
            }
        }

        // The users of the gateway's local domains: fixed, passwords checked at once.
        private sealed class SimUsers : IUsers
        {
            public readonly SortedDictionary<string, string> Folders = new SortedDictionary<string, string>(StringComparer.Ordinal);
            public readonly Dictionary<string, string> Passwords = new Dictionary<string, string>();
            private readonly Dictionary<int, bool> _checks = new Dictionary<int, bool>();
            private int _next = 1;

            public string MailboxFolder(string user) => Folders.TryGetValue(user, out string f) ? f : null;
            public bool Exists(string user) => Folders.ContainsKey(user);

            public string[] Names()
            {
                var names = new string[Folders.Count];
                Folders.Keys.CopyTo(names, 0);
                return names;
            }

            public int BeginVerify(string user, string password)
            {
                _checks[_next] = Passwords.TryGetValue(user, out string p) && p == password;
                return _next++;
            }

            public int PollVerify(int handle)
            {
                bool ok = _checks[handle];
                _checks.Remove(handle);
                return ok ? 1 : 0;
            }
        }
    }

    internal static class StableHash
    {
        /// <summary>A hash of a string that is the same in every process (string.GetHashCode is not).</summary>
        public static int GetHashCode32(this string text)
        {
            unchecked
            {
                int h = 17;
                foreach (char c in text) h = h * 31 + c;
                return h & 0x7FFFFFFF;
            }
        }
    }
}
