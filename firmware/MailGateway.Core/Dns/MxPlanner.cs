// Chooses where to deliver mail for one domain (RFC 5321 §5.1, RFC 7505, RFC 2308; the outcome
// table in REFERENCE.md, which follows Postfix). Sans-I/O: it asks an IDnsLookups for what it
// needs and is stepped by the loop until IsDone; it never touches a socket or a clock.
//
// How it works:
// 1. MX lookup of the domain. A CNAME (Alias) is followed — RFC 5321 §5.1: the canonical name is
//    processed as if it were the initial name — at most MaxCnameDepth times.
//    - NXDOMAIN: 550 5.1.2, permanent.
//    - SERVFAIL, REFUSED, FORMERR, timeout, unreachable, malformed: 451 4.4.3, temporary — the
//      gateway never bounces mail because DNS could not be asked.
//    - NODATA: implicit MX (RFC 5321 §5.1): the domain itself is the only host, preference 0.
//    - Records: a lone MX whose exchange is the root ("MX 0 .", RFC 7505 §3) is a null MX:
//      556 5.1.10 at once, never a fallback to A. Otherwise root exchanges are dropped, duplicates
//      keep their best preference, hosts are ordered by preference, lowest first, and hosts of
//      equal preference are shuffled with the caller's IRandom (RFC 5321 §5.1). A long MX list is
//      never an error: the core resolver's codec keeps the DnsSettings.MaxAnswerRecords lowest
//      preferences while it reads the answer, and the planner looks at MaxHosts of those.
// 2. Self: like Postfix, if one of the MX hosts is this gateway — by name, or because one of its
//    addresses is ours — every MX with a preference equal to or worse than that host's is dropped
//    (we are a backup MX at best, and must hand the mail to a better one). If that leaves nothing,
//    the mail would loop: 554 5.4.6 (unless a better host's lookup failed temporarily: 4.4.3).
// 3. Each remaining host in order, at most MaxHosts: A and AAAA at once (CNAMEs followed, bounded),
//    IPv4 addresses listed before IPv6 (PreferIPv6 swaps them), duplicates dropped, until
//    MaxAddresses addresses are found.
// 4. The plan: the targets found; or, when none: a temporary failure if any host's lookup failed
//    temporarily, else 554 5.4.6 when hosts were dropped as ourselves, else 550 5.4.4 (no MX and
//    no A/AAAA, or no MX host has an address — NXDOMAIN or NODATA for all of them).
//
// Deliberately not done: address-based self detection sees only hosts resolved before the address
// limit is reached (hosts are resolved best first, so the case it misses is an equal-preference
// host after five addresses); smarthosts, static routes and address literals belong to the router.
using System.Collections;
using MailGateway.Core.Relay;
using MailGateway.Core.Runtime;
using MailGateway.Core.Smtp;

namespace MailGateway.Core.Dns
{
    public sealed class MxPlanner
    {
        private sealed class AddressQuery
        {
            public int Type;
            public string Name;
            public int Handle = -1;
            public int Aliases;
            public DnsResult Result;
            public bool TooManyAliases;
        }

        // Question
        private readonly string _domain;

        // Who we are
        private readonly string[] _ownNames;
        private readonly byte[][] _ownAddresses;

        // Limits and chance
        private readonly MxSettings _settings;
        private readonly IRandom _random;

        // State
        private MxPlannerState _state;
        private MxPlan _plan;

        // The MX lookup
        private string _mxName;
        private int _mxHandle = -1;
        private int _mxAliases;

        // MX hosts, in the order to try them
        private string[] _hosts = new string[0];
        private int[] _preferences = new int[0];
        private int _hostCount;
        private int _nextHost;
        private bool _implicitMx;
        private bool _selfFound;
        private int _selfPreference = int.MaxValue;

        // The host being resolved: [0] A, [1] AAAA
        private readonly AddressQuery[] _queries;
        private bool _hostStarted;

        // Findings
        private readonly ArrayList _targets = new ArrayList();
        private int _hostsNotFound;
        private int _hostsWithoutAddress;
        private int _hostsFailed;
        private string _lastTemporary;

        /// <summary>
        /// A planner for domain. ownNames and ownAddresses say who this gateway is (its host names
        /// and IP addresses as text; either may be empty); random shuffles equal preferences.
        /// </summary>
        public MxPlanner(string domain, string[] ownNames, string[] ownAddresses, IRandom random, MxSettings settings)
        {
            _domain = DnsName.WithoutTrailingDot(domain);
            _mxName = _domain;
            _ownNames = ownNames == null ? new string[0] : ownNames;
            int count = ownAddresses == null ? 0 : ownAddresses.Length;
            _ownAddresses = new byte[count][];
            for (int i = 0; i < count; i++) _ownAddresses[i] = IpAddress.Parse(ownAddresses[i]);
            _random = random;
            _settings = settings;
            _queries = new AddressQuery[settings.LookupIPv6 ? 2 : 1];
            for (int i = 0; i < _queries.Length; i++)
            {
                _queries[i] = new AddressQuery();
                _queries[i].Type = i == 0 ? DnsType.A : DnsType.AAAA;
            }
            _state = MxPlannerState.AskingMx;
            if (!DnsName.IsWritableHost(_domain))
            {
                Fail(550, "5.1.2", "Bad destination domain: \"" + _domain + "\" is not a domain name");
            }
        }

        public string Domain { get { return _domain; } }
        public MxPlannerState State { get { return _state; } }
        public bool IsDone { get { return _state == MxPlannerState.Done; } }

        /// <summary>The outcome once IsDone; null before.</summary>
        public MxPlan Plan { get { return _plan; } }

        /// <summary>
        /// Starts the lookups the planner needs and takes the results that are ready. Call it again
        /// whenever the lookups may have moved on, until IsDone.
        /// </summary>
        public void Step(IDnsLookups lookups)
        {
            while (_state != MxPlannerState.Done && Advance(lookups))
            {
            }
        }

        /// <summary>Gives up: cancels the lookups still running; the plan becomes a temporary failure.</summary>
        public void Abandon(IDnsLookups lookups)
        {
            if (_state == MxPlannerState.Done) return;
            if (_mxHandle >= 0) lookups.Cancel(_mxHandle);
            _mxHandle = -1;
            for (int i = 0; i < _queries.Length; i++)
            {
                if (_queries[i].Handle >= 0) lookups.Cancel(_queries[i].Handle);
                _queries[i].Handle = -1;
            }
            Fail(451, "4.4.3", "DNS lookups for " + _domain + " were abandoned, will retry");
        }

        private bool Advance(IDnsLookups lookups)
        {
            switch (_state)
            {
                case MxPlannerState.AskingMx:
                    _mxHandle = lookups.Begin(_mxName, DnsType.MX);
                    _state = MxPlannerState.AwaitingMx;
                    return true;
                case MxPlannerState.AwaitingMx:
                    DnsResult result = lookups.Poll(_mxHandle);
                    if (result == null) return false;
                    _mxHandle = -1;
                    TakeMx(result);
                    return true;
                case MxPlannerState.ResolvingHosts:
                    return AdvanceHosts(lookups);
                default:
                    return false;
            }
        }

        // ---- The MX answer ----

        private void TakeMx(DnsResult result)
        {
            switch (result.Status)
            {
                case DnsStatus.Ok:
                    PlanHosts(result.Records);
                    break;
                case DnsStatus.NoData:
                    _implicitMx = true;
                    _hosts = new string[] { result.CanonicalName };
                    _preferences = new int[] { 0 };
                    _hostCount = 1;
                    DropSelfByName();
                    StartResolving();
                    break;
                case DnsStatus.Alias:
                    if (++_mxAliases > _settings.MaxCnameDepth)
                    {
                        Fail(451, "4.4.3", "DNS lookup of " + _domain + " MX failed, will retry: CNAME chain longer than " + _settings.MaxCnameDepth.ToString());
                        break;
                    }
                    _mxName = result.CanonicalName;
                    _state = MxPlannerState.AskingMx;
                    break;
                case DnsStatus.NxDomain:
                    Fail(550, "5.1.2", "Host or domain name not found: " + _domain + " does not exist (NXDOMAIN)");
                    break;
                default:
                    Fail(451, "4.4.3", "DNS lookup of " + _domain + " MX failed, will retry: " + Describe(result));
                    break;
            }
        }

        private void PlanHosts(DnsRecord[] records)
        {
            int roots = 0;
            for (int i = 0; i < records.Length; i++)
            {
                if (records[i].Target.Length == 0) roots++;
            }
            if (roots == records.Length)
            {
                // RFC 7505 §3, §4.1: "MX 0 ." — the domain receives no mail; never fall back to A.
                Fail(556, "5.1.10", "Domain " + _domain + " does not accept mail (null MX)");
                return;
            }

            _hosts = new string[records.Length];
            _preferences = new int[records.Length];
            _hostCount = 0;
            for (int i = 0; i < records.Length; i++)
            {
                string host = records[i].Target;
                if (host.Length == 0) continue; // a root exchange beside real ones: nothing to deliver to
                int known = IndexOfHost(host);
                if (known >= 0)
                {
                    if (records[i].Preference < _preferences[known]) _preferences[known] = records[i].Preference;
                    continue;
                }
                _hosts[_hostCount] = host;
                _preferences[_hostCount] = records[i].Preference;
                _hostCount++;
            }
            SortByPreference();
            ShuffleEqualPreferences();
            DropSelfByName();
            if (_hostCount > _settings.MaxHosts) _hostCount = _settings.MaxHosts;
            StartResolving();
        }

        private int IndexOfHost(string host)
        {
            for (int i = 0; i < _hostCount; i++)
            {
                if (DnsName.Equal(_hosts[i], host)) return i;
            }
            return -1;
        }

        // Insertion sort: stable, and MX lists are short.
        private void SortByPreference()
        {
            for (int i = 1; i < _hostCount; i++)
            {
                string host = _hosts[i];
                int preference = _preferences[i];
                int j = i - 1;
                while (j >= 0 && _preferences[j] > preference)
                {
                    _hosts[j + 1] = _hosts[j];
                    _preferences[j + 1] = _preferences[j];
                    j--;
                }
                _hosts[j + 1] = host;
                _preferences[j + 1] = preference;
            }
        }

        // Fisher-Yates within each run of equal preference.
        private void ShuffleEqualPreferences()
        {
            int runStart = 0;
            while (runStart < _hostCount)
            {
                int runEnd = runStart + 1;
                while (runEnd < _hostCount && _preferences[runEnd] == _preferences[runStart]) runEnd++;
                for (int i = runEnd - 1; i > runStart; i--)
                {
                    int j = runStart + _random.Next(i - runStart + 1);
                    string swap = _hosts[i];
                    _hosts[i] = _hosts[j];
                    _hosts[j] = swap;
                }
                runStart = runEnd;
            }
        }

        // Postfix: an MX host that is one of our names marks our preference; it and every host
        // with the same or a worse preference go.
        private void DropSelfByName()
        {
            for (int i = 0; i < _hostCount; i++)
            {
                if (IsOwnName(_hosts[i]))
                {
                    _selfFound = true;
                    if (_preferences[i] < _selfPreference) _selfPreference = _preferences[i];
                }
            }
            int keep = 0;
            while (keep < _hostCount && _preferences[keep] < _selfPreference) keep++;
            _hostCount = keep;
        }

        private bool IsOwnName(string host)
        {
            for (int i = 0; i < _ownNames.Length; i++)
            {
                if (DnsName.Equal(_ownNames[i], host)) return true;
            }
            return false;
        }

        private bool IsOwnAddress(string address)
        {
            byte[] bytes = IpAddress.Parse(address);
            if (bytes == null) return false;
            for (int i = 0; i < _ownAddresses.Length; i++)
            {
                byte[] own = _ownAddresses[i];
                if (own == null || own.Length != bytes.Length) continue;
                int k = 0;
                while (k < own.Length && own[k] == bytes[k]) k++;
                if (k == own.Length) return true;
            }
            return false;
        }

        // ---- The hosts' addresses ----

        private void StartResolving()
        {
            _state = MxPlannerState.ResolvingHosts;
            _nextHost = 0;
            _hostStarted = false;
        }

        private bool AdvanceHosts(IDnsLookups lookups)
        {
            if (!_hostStarted)
            {
                if (_nextHost >= _hostCount || _targets.Count >= _settings.MaxAddresses || _preferences[_nextHost] >= _selfPreference)
                {
                    Finish();
                    return true;
                }
                string host = _hosts[_nextHost];
                if (!DnsName.IsWritableHost(host))
                {
                    _hostsNotFound++; // not a name DNS could hold an address for
                    _nextHost++;
                    return true;
                }
                for (int i = 0; i < _queries.Length; i++)
                {
                    AddressQuery query = _queries[i];
                    query.Name = host;
                    query.Aliases = 0;
                    query.Result = null;
                    query.TooManyAliases = false;
                    query.Handle = lookups.Begin(host, query.Type);
                }
                _hostStarted = true;
                return true;
            }

            bool progressed = false;
            bool allDone = true;
            for (int i = 0; i < _queries.Length; i++)
            {
                AddressQuery query = _queries[i];
                if (query.Result != null) continue;
                DnsResult result = lookups.Poll(query.Handle);
                if (result == null)
                {
                    allDone = false;
                    continue;
                }
                progressed = true;
                query.Handle = -1;
                if (result.Status == DnsStatus.Alias)
                {
                    if (++query.Aliases > _settings.MaxCnameDepth)
                    {
                        query.TooManyAliases = true;
                    }
                    else
                    {
                        query.Name = result.CanonicalName;
                        query.Handle = lookups.Begin(query.Name, query.Type);
                        allDone = false;
                        continue;
                    }
                }
                query.Result = result;
            }
            if (!allDone) return progressed;
            TakeHost(_hosts[_nextHost], _preferences[_nextHost]);
            _nextHost++;
            _hostStarted = false;
            return true;
        }

        private void TakeHost(string host, int preference)
        {
            // IPv4 first unless told otherwise: query 0 is A, query 1 AAAA.
            int first = _settings.PreferIPv6 && _queries.Length > 1 ? 1 : 0;
            for (int n = 0; n < _queries.Length; n++)
            {
                DnsRecord[] records = _queries[(first + n) % _queries.Length].Result.Records;
                for (int r = 0; r < records.Length; r++)
                {
                    if (IsOwnAddress(records[r].Address))
                    {
                        _selfFound = true;
                        _selfPreference = preference;
                        DropTargetsFrom(preference);
                        return;
                    }
                }
            }

            bool temporary = false;
            bool allNotFound = true;
            int found = 0;
            for (int n = 0; n < _queries.Length; n++)
            {
                AddressQuery query = _queries[(first + n) % _queries.Length];
                DnsResult result = query.Result;
                if (query.TooManyAliases)
                {
                    temporary = true;
                    _lastTemporary = host + " " + DnsType.Name(query.Type) + ": CNAME chain longer than " + _settings.MaxCnameDepth.ToString();
                }
                else if (result.IsTemporaryFailure)
                {
                    temporary = true;
                    _lastTemporary = Describe(result);
                }
                if (result.Status != DnsStatus.NxDomain || query.TooManyAliases) allNotFound = false;
                for (int r = 0; r < result.Records.Length; r++)
                {
                    string address = result.Records[r].Address;
                    if (address == null || HasTarget(address)) continue;
                    found++;
                    if (_targets.Count < _settings.MaxAddresses) _targets.Add(new MxTarget(host, address, preference));
                }
            }
            if (found > 0) return;
            if (temporary) _hostsFailed++;
            else if (allNotFound) _hostsNotFound++;
            else _hostsWithoutAddress++;
        }

        private bool HasTarget(string address)
        {
            for (int i = 0; i < _targets.Count; i++)
            {
                if (((MxTarget)_targets[i]).Address == address) return true;
            }
            return false;
        }

        private void DropTargetsFrom(int preference)
        {
            for (int i = _targets.Count - 1; i >= 0; i--)
            {
                if (((MxTarget)_targets[i]).Preference >= preference) _targets.RemoveAt(i);
            }
        }

        // ---- The outcome ----

        private void Finish()
        {
            if (_targets.Count > 0)
            {
                MxTarget[] targets = new MxTarget[_targets.Count];
                for (int i = 0; i < targets.Length; i++) targets[i] = (MxTarget)_targets[i];
                _plan = MxPlan.Deliver(_domain, targets, _implicitMx);
                _state = MxPlannerState.Done;
                return;
            }
            if (_hostsFailed > 0)
            {
                Fail(451, "4.4.3", "DNS lookups of the mail hosts of " + _domain + " failed, will retry: " + _lastTemporary);
                return;
            }
            if (_selfFound)
            {
                Fail(554, "5.4.6", "Mail for " + _domain + " loops back to myself");
                return;
            }
            if (_implicitMx)
            {
                Fail(550, "5.4.4", "No mail host for " + _domain + ": no MX and no A/AAAA records");
                return;
            }
            Fail(550, "5.4.4", "No mail host for " + _domain + ": none of its MX hosts has an address (" +
                               _hostsNotFound.ToString() + " not found, " + _hostsWithoutAddress.ToString() + " without A/AAAA)");
        }

        private void Fail(int code, string enhanced, string text)
        {
            _plan = MxPlan.Fail(_domain, new Reply(code, enhanced, text));
            _state = MxPlannerState.Done;
        }

        private static string Describe(DnsResult result)
        {
            string text = result.Name + " " + DnsType.Name(result.Type) + ": " + DnsStatusNames.Name(result.Status);
            return result.Detail == null ? text : text + " (" + result.Detail + ")";
        }
    }
}
