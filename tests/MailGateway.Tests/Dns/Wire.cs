// Hand-built DNS wire messages for the codec and lookup tests (RFC 1035 §4.1): a header, names
// written label by label or as compression pointers, records whose RDLENGTH is filled in. Nothing
// here validates: the point is to write broken messages as easily as good ones.
using System.Net;
using MailGateway.Core.Dns;

namespace MailGateway.Tests.Dns
{
    public sealed class Wire
    {
        private readonly List<byte> _bytes = new List<byte>();

        public int Position => _bytes.Count;

        public byte[] ToArray() => _bytes.ToArray();

        public Wire U8(int value)
        {
            _bytes.Add((byte)value);
            return this;
        }

        public Wire U16(int value) => U8(value >> 8).U8(value);

        public Wire U32(long value) => U16((int)(value >> 16)).U16((int)value);

        public Wire Bytes(params byte[] bytes)
        {
            _bytes.AddRange(bytes);
            return this;
        }

        public Wire Header(int id, int flags, int questions, int answers, int authorities = 0, int additionals = 0)
            => U16(id).U16(flags).U16(questions).U16(answers).U16(authorities).U16(additionals);

        /// <summary>A response header: QR, RD and RA set, the given RCODE (and TC when asked).</summary>
        public Wire ResponseHeader(int id, int rcode, int questions, int answers, int authorities = 0, int additionals = 0, bool truncated = false)
            => Header(id, 0x8180 | rcode | (truncated ? 0x0200 : 0), questions, answers, authorities, additionals);

        /// <summary>"a.b.c" as labels and the root byte; "" is the root alone.</summary>
        public Wire Name(string name)
        {
            if (name.Length > 0)
            {
                foreach (string label in name.Split('.'))
                {
                    U8(label.Length);
                    foreach (char c in label) U8(c);
                }
            }
            return U8(0);
        }

        /// <summary>Labels without the terminating root byte (to be followed by a pointer).</summary>
        public Wire Labels(string name)
        {
            foreach (string label in name.Split('.'))
            {
                U8(label.Length);
                foreach (char c in label) U8(c);
            }
            return this;
        }

        public Wire Pointer(int offset) => U8(0xC0 | (offset >> 8)).U8(offset);

        public Wire Question(string name, int type, int rclass = DnsType.ClassIN) => Name(name).U16(type).U16(rclass);

        /// <summary>A record: owner written by the owner action, then type, class, TTL, RDLENGTH (filled in) and RDATA.</summary>
        public Wire Record(Action<Wire> owner, int type, Action<Wire> rdata, long ttl = 300, int rclass = DnsType.ClassIN)
        {
            owner(this);
            U16(type).U16(rclass).U32(ttl);
            int lengthAt = Position;
            U16(0);
            int start = Position;
            rdata(this);
            int length = Position - start;
            _bytes[lengthAt] = (byte)(length >> 8);
            _bytes[lengthAt + 1] = (byte)length;
            return this;
        }

        public Wire Record(string owner, int type, Action<Wire> rdata, long ttl = 300, int rclass = DnsType.ClassIN)
            => Record(w => w.Name(owner), type, rdata, ttl, rclass);

        public Wire Mx(string owner, int preference, string exchange) => Record(owner, DnsType.MX, w => w.U16(preference).Name(exchange));

        public Wire Cname(string owner, string target) => Record(owner, DnsType.CNAME, w => w.Name(target));

        public Wire A(string owner, string address) => Record(owner, DnsType.A, w => w.Bytes(IPAddress.Parse(address).GetAddressBytes()));

        public Wire Aaaa(string owner, string address) => Record(owner, DnsType.AAAA, w => w.Bytes(IPAddress.Parse(address).GetAddressBytes()));

        /// <summary>A response to (name, type) with the given records already written by body.</summary>
        public static byte[] Answer(int id, string name, int type, int rcode, int answerCount, Action<Wire> body, bool truncated = false)
        {
            var w = new Wire().ResponseHeader(id, rcode, 1, answerCount, truncated: truncated).Question(name, type);
            body?.Invoke(w);
            return w.ToArray();
        }
    }
}
