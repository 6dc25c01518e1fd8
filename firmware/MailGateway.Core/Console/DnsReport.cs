// The console's "dns NAME": how the gateway's resolver sees a domain, as delivery will (DESIGN step
// 2): its MX records by preference, then each exchange's A and AAAA addresses (at most
// delivery.max_addresses exchanges); no MX → the domain's own addresses (implicit MX); a null MX
// (RFC 7505) or NXDOMAIN → mail to it bounces; a failure of DNS itself → mail waits and is retried.
// The lookups run through the same IDnsLookups as deliveries, a step per loop pass: while one is
// out the producer says it is waiting, and the answer's arrival (a socket event) brings the next.
using MailGateway.Core.Dns;

namespace MailGateway.Core.Console
{
    public sealed class DnsReport : IConsoleProducer
    {
        private readonly IDnsLookups _lookups;
        private readonly string _domain;
        private readonly int _maxHosts;
        private string[] _hosts;
        private int _hostAt;
        private int _handle = -1;
        private int _type;
        private bool _mxDone;
        private string _addresses;

        public DnsReport(IDnsLookups lookups, string domain, int maxHosts)
        {
            _lookups = lookups;
            _domain = domain;
            _maxHosts = maxHosts;
        }

        public bool Produce(ConsoleSession s)
        {
            s.ProducerWaiting = false;
            while (s.HasRoom)
            {
                if (_handle < 0)
                {
                    if (!_mxDone) Begin(_domain, DnsType.MX);
                    else if (_hosts == null || _hostAt >= _hosts.Length) return true;
                    else Begin(_hosts[_hostAt], DnsType.A);
                }
                DnsResult r = _lookups.Poll(_handle);
                if (r == null)
                {
                    s.ProducerWaiting = true; // the answer's arrival brings the next pass
                    return false;
                }
                _handle = -1;
                if (!_mxDone) Mx(s, r);
                else Address(s, r);
            }
            return false;
        }

        public void Abandon()
        {
            if (_handle >= 0) _lookups.Cancel(_handle);
            _handle = -1;
        }

        private void Begin(string name, int type)
        {
            _type = type;
            _handle = _lookups.Begin(name, type);
        }

        private void Mx(ConsoleSession s, DnsResult r)
        {
            _mxDone = true;
            if (r.Status == DnsStatus.Ok)
            {
                s.WriteLine("MX of " + _domain + ":");
                int n = 0;
                string[] hosts = new string[r.Records.Length];
                DnsRecord[] sorted = ByPreference(r.Records);
                for (int i = 0; i < sorted.Length; i++)
                {
                    if (sorted[i].Type != DnsType.MX) continue;
                    string target = sorted[i].Target;
                    if (sorted.Length == 1 && (target == "" || target == "."))
                    {
                        s.WriteLine("  0 . : a null MX (RFC 7505): " + _domain + " takes no mail; mail to it bounces at once");
                        _hosts = new string[0];
                        return;
                    }
                    s.WriteLine("  " + sorted[i].Preference.ToString() + " " + target);
                    if (n < _maxHosts) hosts[n++] = target;
                }
                _hosts = new string[n];
                System.Array.Copy(hosts, _hosts, n);
                return;
            }
            if (r.Status == DnsStatus.NoData || r.Status == DnsStatus.Alias)
            {
                s.WriteLine("no MX for " + _domain + ": mail goes to the domain's own addresses (implicit MX)");
                _hosts = new string[] { _domain };
                return;
            }
            if (r.Status == DnsStatus.NxDomain)
            {
                s.WriteLine(_domain + " does not exist (NXDOMAIN): mail to it bounces");
            }
            else
            {
                s.WriteLine("the MX lookup of " + _domain + " failed: " + DnsStatusNames.Name(r.Status) +
                            (r.Detail != null ? " (" + r.Detail + ")" : "") + "; mail to it waits and is retried");
            }
            _hosts = new string[0];
        }

        private void Address(ConsoleSession s, DnsResult r)
        {
            // Begin above asked for A; the answer to it starts the AAAA lookup, whose answer ends the host's line.
            string found;
            if (r.Status == DnsStatus.Ok)
            {
                found = "";
                for (int i = 0; i < r.Records.Length; i++)
                {
                    if (r.Records[i].Address != null) found += (found.Length > 0 ? ", " : "") + r.Records[i].Address;
                }
            }
            else found = "(" + DnsStatusNames.Name(r.Status) + ")";
            string part = (_type == DnsType.A ? "A " : "AAAA ") + found;
            if (_type == DnsType.A)
            {
                _addresses = part;
                Begin(_hosts[_hostAt], DnsType.AAAA);
                return;
            }
            s.WriteLine("  " + _hosts[_hostAt] + ": " + _addresses + "; " + part);
            _hostAt++;
        }

        // The MX records, lowest preference first (the order delivery tries them; equal ones are
        // shuffled there, listed as they came here).
        private static DnsRecord[] ByPreference(DnsRecord[] records)
        {
            DnsRecord[] sorted = new DnsRecord[records.Length];
            System.Array.Copy(records, sorted, records.Length);
            for (int i = 1; i < sorted.Length; i++)
            {
                DnsRecord r = sorted[i];
                int j = i - 1;
                while (j >= 0 && sorted[j].Preference > r.Preference)
                {
                    sorted[j + 1] = sorted[j];
                    j--;
                }
                sorted[j + 1] = r;
            }
            return sorted;
        }
    }
}
