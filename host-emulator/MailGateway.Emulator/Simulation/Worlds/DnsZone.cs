// The world's DNS: one recursive server (Internet.DnsAddress, port 53, UDP) that answers from a
// scripted zone — MX, A and CNAME records; names not in the zone are NXDOMAIN; a name with records
// of other types gets NOERROR without answers (NODATA) — with responses built by hand on the wire
// (RFC 1035 §4.1; names uncompressed, RD and RA set, the question echoed as asked).
// Faults are data, windows of world time, for every name or for one domain and its subdomains:
// Silent (no answer: the gateway's tries time out), ServFail, Refused, Garbage (a datagram with
// the right ID that cannot be read), and Unreachable (no route to the server at all, set on the
// gateways' networks by the world). None of them ever says NXDOMAIN for a name that exists:
// only the zone's truth does, and a bounce for a missing domain is justified only by it.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using MailGateway.Core.Dns;

namespace MailGateway.Emulator.Simulation.Worlds
{
    public enum DnsFaultKind { Silent, ServFail, Refused, Garbage, Unreachable }

    public sealed class DnsFault
    {
        public DnsFaultKind Kind;
        /// <summary>null: every name; else this domain and its subdomains.</summary>
        public string Domain;
        public long FromMs;
        public long ToMs;

        public override string ToString() => Kind + " for " + (Domain ?? "every name") + " " + World.FormatTime(FromMs) + ".." + World.FormatTime(ToMs);
    }

    public sealed class DnsZone
    {
        private sealed class Record
        {
            public int Type;
            public int Preference;
            public string Target;   // MX exchange, CNAME target ("" for the root)
            public byte[] Address;  // A
        }

        private readonly World _world;
        private readonly Dictionary<string, List<Record>> _names = new Dictionary<string, List<Record>>(StringComparer.OrdinalIgnoreCase);
        public readonly List<DnsFault> Faults = new List<DnsFault>();

        public DnsZone(World world)
        {
            _world = world;
        }

        public int Queries { get; private set; }

        public void Mx(string domain, int preference, string exchange) => Add(domain, new Record { Type = DnsType.MX, Preference = preference, Target = exchange });

        /// <summary>RFC 7505: "MX 0 ." — this domain takes no mail.</summary>
        public void NullMx(string domain) => Add(domain, new Record { Type = DnsType.MX, Preference = 0, Target = "" });

        public void A(string name, string address) => Add(name, new Record { Type = DnsType.A, Address = System.Net.IPAddress.Parse(address).GetAddressBytes() });

        public void Cname(string name, string target) => Add(name, new Record { Type = DnsType.CNAME, Target = target });

        /// <summary>The name exists but holds nothing asked for (e.g. a domain with a TXT record only).</summary>
        public void Exists(string name)
        {
            if (!_names.ContainsKey(name)) _names.Add(name, new List<Record>());
        }

        private void Add(string name, Record record)
        {
            if (!_names.TryGetValue(name, out List<Record> list))
            {
                list = new List<Record>();
                _names.Add(name, list);
            }
            list.Add(record);
        }

        /// <summary>The answer to one query datagram, or null for none (see the header).</summary>
        public byte[] Answer(byte[] query)
        {
            Queries++;
            if (query.Length < 12) return null;
            int id = (query[0] << 8) | query[1];
            int at = 12;
            string name = ReadName(query, ref at);
            if (name == null || at + 4 > query.Length) return null;
            int type = (query[at] << 8) | query[at + 1];
            long now = _world.Now;
            foreach (DnsFault f in Faults)
            {
                if (f.FromMs > now || now >= f.ToMs || !Covers(f.Domain, name)) continue;
                _world.Ledger.Count("dns faults met");
                switch (f.Kind)
                {
                    case DnsFaultKind.Silent: return null;
                    case DnsFaultKind.Unreachable: return null;
                    case DnsFaultKind.ServFail: return Response(id, name, type, DnsMessage.RcodeServFail, null);
                    case DnsFaultKind.Refused: return Response(id, name, type, DnsMessage.RcodeRefused, null);
                    case DnsFaultKind.Garbage:
                        return new byte[] { query[0], query[1], 0x81, 0x80, 0, 1, 0, 9, 0xC0 };
                }
            }
            if (!_names.TryGetValue(name, out List<Record> records)) return Response(id, name, type, DnsMessage.RcodeNxDomain, null);
            var answers = new List<Record>();
            foreach (Record r in records)
            {
                if (r.Type == type) answers.Add(r);
            }
            if (answers.Count == 0)
            {
                foreach (Record r in records)
                {
                    if (r.Type == DnsType.CNAME) answers.Add(r);
                }
            }
            return Response(id, name, type, DnsMessage.RcodeNoError, answers);
        }

        private static bool Covers(string domain, string name)
        {
            if (domain == null) return true;
            return name.Equals(domain, StringComparison.OrdinalIgnoreCase) ||
                   name.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase);
        }

        private static byte[] Response(int id, string name, int type, int rcode, List<Record> answers)
        {
            var w = new MemoryStream();
            int count = answers == null ? 0 : answers.Count;
            U16(w, id);
            U16(w, DnsMessage.FlagResponse | DnsMessage.FlagRecursionDesired | DnsMessage.FlagRecursionAvailable | rcode);
            U16(w, 1);
            U16(w, count);
            U16(w, 0);
            U16(w, 0);
            WriteName(w, name);
            U16(w, type);
            U16(w, DnsType.ClassIN);
            for (int i = 0; i < count; i++)
            {
                Record r = answers[i];
                WriteName(w, name);
                U16(w, r.Type);
                U16(w, DnsType.ClassIN);
                U16(w, 0);
                U16(w, 300);
                var rdata = new MemoryStream();
                if (r.Type == DnsType.MX)
                {
                    U16(rdata, r.Preference);
                    WriteName(rdata, r.Target);
                }
                else if (r.Type == DnsType.CNAME) WriteName(rdata, r.Target);
                else rdata.Write(r.Address, 0, r.Address.Length);
                U16(w, (int)rdata.Length);
                rdata.WriteTo(w);
            }
            return w.ToArray();
        }

        private static void U16(Stream s, int value)
        {
            s.WriteByte((byte)(value >> 8));
            s.WriteByte((byte)value);
        }

        private static void WriteName(Stream s, string name)
        {
            if (name.Length > 0)
            {
                foreach (string label in name.TrimEnd('.').Split('.'))
                {
                    byte[] b = Encoding.ASCII.GetBytes(label);
                    s.WriteByte((byte)b.Length);
                    s.Write(b, 0, b.Length);
                }
            }
            s.WriteByte(0);
        }

        // An uncompressed name from a query; null when it is not one.
        private static string ReadName(byte[] m, ref int at)
        {
            var name = new StringBuilder();
            while (at < m.Length)
            {
                int length = m[at++];
                if (length == 0) return name.ToString();
                if (length > 63 || at + length > m.Length) return null;
                if (name.Length > 0) name.Append('.');
                name.Append(Encoding.ASCII.GetString(m, at, length));
                at += length;
            }
            return null;
        }
    }
}
