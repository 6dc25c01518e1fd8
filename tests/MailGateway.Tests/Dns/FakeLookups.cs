// An IDnsLookups that answers from a little table instead of the network, for the planner tests:
// records per name, CNAMEs answered as a server that does not follow them would (Alias), fixed
// statuses per question (SERVFAIL, timeouts...), NODATA for a known name without the type, NXDOMAIN
// for an unknown one. Results can be held back for a number of polls to show that the planner
// waits, and it records every lookup begun, in order.
using MailGateway.Core.Dns;

namespace MailGateway.Tests.Dns
{
    public sealed class FakeLookups : IDnsLookups
    {
        private readonly Dictionary<string, List<DnsRecord>> _records = new();
        private readonly Dictionary<string, string> _aliases = new();
        private readonly Dictionary<(string, int), DnsStatus> _statuses = new();
        private readonly Dictionary<int, (string Name, int Type, int PollsLeft)> _running = new();
        private int _nextHandle = 1;

        /// <summary>Polls that return null before a lookup's result is handed over.</summary>
        public int PollsUntilDone;

        /// <summary>"name TYPE" for every lookup begun, in order.</summary>
        public readonly List<string> Begun = new();

        public int Running => _running.Count;

        private static string Key(string name) => DnsName.WithoutTrailingDot(name).ToLowerInvariant();

        private FakeLookups Add(DnsRecord record)
        {
            string key = Key(record.Name);
            if (!_records.TryGetValue(key, out var list)) _records[key] = list = new List<DnsRecord>();
            list.Add(record);
            return this;
        }

        public FakeLookups Mx(string domain, int preference, string exchange) => Add(DnsRecord.Mx(domain, 300, preference, exchange));

        public FakeLookups Addr(string host, params string[] addresses)
        {
            foreach (string address in addresses) Add(DnsRecord.Addr(host, 300, address));
            return this;
        }

        /// <summary>name is an alias of target (answered as Alias for every type).</summary>
        public FakeLookups Cname(string name, string target)
        {
            _aliases[Key(name)] = target;
            return this;
        }

        /// <summary>A name that exists with no records (NODATA for every type).</summary>
        public FakeLookups Exists(string name)
        {
            _records.TryAdd(Key(name), new List<DnsRecord>());
            return this;
        }

        public FakeLookups Status(string name, int type, DnsStatus status)
        {
            _statuses[(Key(name), type)] = status;
            return this;
        }

        public int Begin(string name, int type)
        {
            Begun.Add(DnsName.WithoutTrailingDot(name) + " " + DnsType.Name(type));
            int handle = _nextHandle++;
            _running[handle] = (name, type, PollsUntilDone);
            return handle;
        }

        public DnsResult Poll(int handle)
        {
            if (!_running.TryGetValue(handle, out var lookup)) throw new InvalidOperationException("handle " + handle + " is not running");
            if (lookup.PollsLeft > 0)
            {
                _running[handle] = (lookup.Name, lookup.Type, lookup.PollsLeft - 1);
                return null;
            }
            _running.Remove(handle);
            return Answer(DnsName.WithoutTrailingDot(lookup.Name), lookup.Type);
        }

        public void Cancel(int handle) => _running.Remove(handle);

        private DnsResult Answer(string name, int type)
        {
            string key = Key(name);
            if (_statuses.TryGetValue((key, type), out DnsStatus status)) return DnsResult.Failure(name, type, status, "fake");
            if (_aliases.TryGetValue(key, out string target)) return new DnsResult(name, type, DnsStatus.Alias, null, target, "fake");
            if (!_records.TryGetValue(key, out var list)) return DnsResult.Failure(name, type, DnsStatus.NxDomain, "fake");
            DnsRecord[] typed = list.Where(r => r.Type == type).ToArray();
            return new DnsResult(name, type, typed.Length > 0 ? DnsStatus.Ok : DnsStatus.NoData, typed, name, "fake");
        }
    }
}
