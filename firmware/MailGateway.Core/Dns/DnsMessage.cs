// The DNS message codec (RFC 1035 §4.1): writes queries, reads responses into values.
//
// Writing: a header with a caller-chosen ID and RD set (we ask a recursive resolver), one
// question, and optionally an EDNS0 OPT record (RFC 6891 §6.1.2) that advertises a UDP payload
// size — 1232 bytes by default, the size DNS Flag Day 2020 settled on to avoid IP fragmentation.
//
// Reading: Parse never throws. It reads the header, the question section (the first question is
// kept, the count too, so callers can insist on exactly one) and every record of the answer,
// authority and additional sections; A, AAAA, MX and CNAME records of class IN in the answer and
// authority sections are kept as DnsRecord values, everything else is checked for shape and
// skipped. Every read is bounds-checked; names go through DnsName (compression, loops, lengths).
// A broken message yields Error != None and whatever header fields were read. Bytes after the
// last record are ignored.
//
// Bounded keeping: what a section keeps is bounded whatever its counts say, so an answer of 200
// MX records holds no more memory than one of 16. A section keeps at most maxKeptRecords A, AAAA
// and MX records (DnsSettings.MaxAnswerRecords for lookups) and at most MaxKeptAliases CNAMEs.
// Records are ranked while they stream past: those of the question's type before any other, then
// MX by preference (RFC 5321 §5.1: lower is better). Once the section is full, a record that ranks
// strictly better takes the place of the worst kept one (of equals, the later goes), so an MX
// answer keeps its lowest preferences and an address answer its first addresses. A record that
// does not make the cut is checked but never made into strings or objects (one pushed out later
// was made, and is dropped). Kept records stay in answer order. More CNAMEs than MaxKeptAliases
// is TooManyRecords: no chain DnsResult follows is that long, and cutting one could turn an alias
// into NODATA.
//
// Deliberately not done: a message with TC set is read only up to its question (RFC 2181 §9: the
// rest may be cut anywhere; the caller asks again over TCP, RFC 7766 §5). The extended RCODE bits
// of an OPT record are ignored (we send EDNS version 0, so BADVERS cannot be meant for us). Equal
// MX preferences beyond the bound are not sampled at random: the first ones in the answer stay,
// and recursive servers rotate the order of a record set between answers.
namespace MailGateway.Core.Dns
{
    public sealed class DnsMessage
    {
        public const int HeaderBytes = 12;
        /// <summary>Room WriteQuery may need: header, the longest name, type and class, an OPT record.</summary>
        public const int MaxQueryBytes = HeaderBytes + DnsName.MaxWireLength + 4 + 11;
        /// <summary>The EDNS0 UDP payload size we advertise (RFC 6891 §6.2.5; DNS Flag Day 2020).</summary>
        public const int DefaultUdpPayloadBytes = 1232;
        /// <summary>A, AAAA and MX records a section keeps when the caller does not say (see DnsSettings.MaxAnswerRecords).</summary>
        public const int DefaultKeptRecords = 16;
        /// <summary>CNAMEs a section keeps: the longest chain DnsResult follows, and the one that shows it goes on.</summary>
        public const int MaxKeptAliases = DnsResult.MaxAliasesInAnswer + 1;

        // Rank of a kept record: lower is better. Records of another type than asked come after
        // all of the asked type; within a type, MX records go by preference (16 bits).
        private const int OtherTypeRank = 0x10000;

        // Header flag bits (RFC 1035 §4.1.1).
        public const int FlagResponse = 0x8000;
        public const int FlagAuthoritative = 0x0400;
        public const int FlagTruncated = 0x0200;
        public const int FlagRecursionDesired = 0x0100;
        public const int FlagRecursionAvailable = 0x0080;

        // RCODEs (RFC 1035 §4.1.1).
        public const int RcodeNoError = 0;
        public const int RcodeFormErr = 1;
        public const int RcodeServFail = 2;
        public const int RcodeNxDomain = 3;
        public const int RcodeNotImp = 4;
        public const int RcodeRefused = 5;

        private static readonly DnsRecord[] NoRecords = new DnsRecord[0];

        // Header
        public int Id;
        public int Flags;
        public int QuestionCount;
        public int AnswerCount;
        public int AuthorityCount;
        public int AdditionalCount;

        // Question (the first one)
        public string QuestionName;
        public int QuestionType;
        public int QuestionClass;

        // Records of the kept types
        public DnsRecord[] Answers = NoRecords;
        public DnsRecord[] Authorities = NoRecords;

        /// <summary>None when the whole message was read; otherwise why not.</summary>
        public DnsParseError Error;

        public bool IsResponse { get { return (Flags & FlagResponse) != 0; } }
        public int Opcode { get { return (Flags >> 11) & 0xF; } }
        public bool Truncated { get { return (Flags & FlagTruncated) != 0; } }
        public int Rcode { get { return Flags & 0xF; } }

        /// <summary>
        /// Writes a standard query (RD set) for name and type at dst[offset]. udpPayloadBytes > 0 adds
        /// an EDNS0 OPT record advertising that size; 0 leaves EDNS out. Returns the length, or -1
        /// when the name cannot be written (see DnsName.WireLength). dst needs MaxQueryBytes of room.
        /// </summary>
        public static int WriteQuery(byte[] dst, int offset, int id, string name, int type, int udpPayloadBytes)
        {
            if (DnsName.WireLength(name) < 0) return -1;
            if (offset < 0 || dst.Length - offset < MaxQueryBytes) throw new System.ArgumentException("DNS query needs " + MaxQueryBytes.ToString() + " bytes of room");
            int at = offset;
            at = Put16(dst, at, id);
            at = Put16(dst, at, FlagRecursionDesired);
            at = Put16(dst, at, 1); // QDCOUNT
            at = Put16(dst, at, 0); // ANCOUNT
            at = Put16(dst, at, 0); // NSCOUNT
            at = Put16(dst, at, udpPayloadBytes > 0 ? 1 : 0); // ARCOUNT
            at += DnsName.Write(name, dst, at);
            at = Put16(dst, at, type);
            at = Put16(dst, at, DnsType.ClassIN);
            if (udpPayloadBytes > 0)
            {
                // RFC 6891 §6.1.2: root name, TYPE OPT, CLASS = payload size, TTL = extended RCODE,
                // version 0 and flags (DO clear), no options.
                dst[at++] = 0;
                at = Put16(dst, at, DnsType.OPT);
                at = Put16(dst, at, udpPayloadBytes);
                at = Put16(dst, at, 0);
                at = Put16(dst, at, 0);
                at = Put16(dst, at, 0); // RDLENGTH
            }
            return at - offset;
        }

        private static int Put16(byte[] dst, int at, int value)
        {
            dst[at] = (byte)(value >> 8);
            dst[at + 1] = (byte)value;
            return at + 2;
        }

        private static int Get16(byte[] src, int at)
        {
            return (src[at] << 8) | src[at + 1];
        }

        /// <summary>Reads msg[offset, offset + count), keeping DefaultKeptRecords per section. Never throws; check Error.</summary>
        public static DnsMessage Parse(byte[] msg, int offset, int count)
        {
            return Parse(msg, offset, count, DefaultKeptRecords);
        }

        /// <summary>
        /// Reads msg[offset, offset + count), keeping at most maxKeptRecords A/AAAA/MX records per
        /// section (the best ones, see the header; less than 1 counts as 1). Never throws; check Error.
        /// </summary>
        public static DnsMessage Parse(byte[] msg, int offset, int count, int maxKeptRecords)
        {
            DnsMessage m = new DnsMessage();
            if (msg == null || offset < 0 || count < 0 || offset > msg.Length - count)
            {
                m.Error = DnsParseError.ShortHeader;
                return m;
            }
            try
            {
                m.Error = m.Read(msg, offset, offset + count, maxKeptRecords < 1 ? 1 : maxKeptRecords);
            }
            catch (System.Exception)
            {
                m.Error = DnsParseError.Internal; // a bug; the fuzz tests would have said so
            }
            return m;
        }

        private DnsParseError Read(byte[] msg, int start, int end, int maxKeptRecords)
        {
            if (end - start < HeaderBytes) return DnsParseError.ShortHeader;
            Id = Get16(msg, start);
            Flags = Get16(msg, start + 2);
            QuestionCount = Get16(msg, start + 4);
            AnswerCount = Get16(msg, start + 6);
            AuthorityCount = Get16(msg, start + 8);
            AdditionalCount = Get16(msg, start + 10);
            int index = start + HeaderBytes;

            for (int q = 0; q < QuestionCount; q++)
            {
                string name;
                DnsParseError error = DnsName.TryRead(msg, start, end, ref index, out name);
                if (error != DnsParseError.None) return error;
                if (end - index < 4) return DnsParseError.UnexpectedEnd;
                if (q == 0)
                {
                    QuestionName = name;
                    QuestionType = Get16(msg, index);
                    QuestionClass = Get16(msg, index + 2);
                }
                index += 4;
            }
            if (Truncated) return DnsParseError.None;

            DnsParseError sectionError = ReadRecords(msg, start, end, ref index, AnswerCount, maxKeptRecords, out Answers);
            if (sectionError != DnsParseError.None) return sectionError;
            sectionError = ReadRecords(msg, start, end, ref index, AuthorityCount, maxKeptRecords, out Authorities);
            if (sectionError != DnsParseError.None) return sectionError;
            DnsRecord[] none;
            return ReadRecords(msg, start, end, ref index, AdditionalCount, 0, out none);
        }

        // Reads count records; keeps the best A/AAAA/MX ones (at most maxKept; 0: none) and the
        // CNAMEs of class IN, in answer order.
        private DnsParseError ReadRecords(byte[] msg, int start, int end, ref int index, int count, int maxKept, out DnsRecord[] records)
        {
            records = NoRecords;
            DnsRecord[] kept = null;
            int keptCount = 0;
            int keptData = 0;
            int keptAliases = 0;
            for (int r = 0; r < count; r++)
            {
                int ownerAt = index;
                DnsParseError error = DnsName.TrySkip(msg, start, end, ref index);
                if (error != DnsParseError.None) return error;
                if (end - index < 10) return DnsParseError.UnexpectedEnd;
                int type = Get16(msg, index);
                int rclass = Get16(msg, index + 2);
                long ttl = ((long)msg[index + 4] << 24) | ((long)msg[index + 5] << 16) | ((long)msg[index + 6] << 8) | msg[index + 7];
                if (ttl > 0x7FFFFFFF) ttl = 0; // RFC 2181 §8: a TTL with the top bit set is zero
                int rdLength = Get16(msg, index + 8);
                index += 10;
                if (end - index < rdLength) return DnsParseError.UnexpectedEnd;
                int rdStart = index;
                int rdEnd = index + rdLength;
                index = rdEnd;

                bool keep = maxKept > 0 && rclass == DnsType.ClassIN &&
                            (type == DnsType.A || type == DnsType.AAAA || type == DnsType.MX || type == DnsType.CNAME);
                if (!keep) continue;
                DnsRecord record;
                error = ReadData(msg, start, rdStart, rdEnd, null, type, ttl, out record); // checks only
                if (error != DnsParseError.None) return error;

                if (type == DnsType.CNAME)
                {
                    if (keptAliases == MaxKeptAliases) return DnsParseError.TooManyRecords;
                    keptAliases++;
                }
                else if (keptData == maxKept)
                {
                    int worst = WorstData(kept, keptCount);
                    if (Rank(type, type == DnsType.MX ? Get16(msg, rdStart) : 0) >= Rank(kept[worst])) continue;
                    for (int i = worst; i < keptCount - 1; i++) kept[i] = kept[i + 1];
                    keptCount--;
                }
                else
                {
                    keptData++;
                }

                string owner;
                DnsName.TryRead(msg, start, end, ref ownerAt, out owner); // checked above
                ReadData(msg, start, rdStart, rdEnd, owner, type, ttl, out record);
                if (kept == null) kept = new DnsRecord[(count < maxKept ? count : maxKept) + (count < MaxKeptAliases ? count : MaxKeptAliases)];
                kept[keptCount++] = record;
            }
            if (keptCount > 0)
            {
                records = new DnsRecord[keptCount];
                System.Array.Copy(kept, records, keptCount);
            }
            return DnsParseError.None;
        }

        private int Rank(int type, int preference)
        {
            return (type == QuestionType ? 0 : OtherTypeRank) + (type == DnsType.MX ? preference : 0);
        }

        private int Rank(DnsRecord record)
        {
            return Rank(record.Type, record.Preference);
        }

        // The kept A/AAAA/MX record that ranks worst; of equals the latest, so that earlier ones stay.
        private int WorstData(DnsRecord[] kept, int count)
        {
            int worst = -1;
            for (int i = 0; i < count; i++)
            {
                if (kept[i].Type == DnsType.CNAME) continue;
                if (worst < 0 || Rank(kept[i]) >= Rank(kept[worst])) worst = i;
            }
            return worst;
        }

        // Checks RDATA for its type; with an owner it also makes the record (without one, record
        // stays null and nothing is allocated).
        private static DnsParseError ReadData(byte[] msg, int start, int rdStart, int rdEnd, string owner, int type, long ttl, out DnsRecord record)
        {
            record = null;
            int length = rdEnd - rdStart;
            if (type == DnsType.A || type == DnsType.AAAA)
            {
                if (length != (type == DnsType.A ? 4 : 16)) return DnsParseError.BadRecordData;
                if (owner != null) record = new DnsRecord(owner, type, ttl, 0, null, DnsAddressText.Format(msg, rdStart, length));
                return DnsParseError.None;
            }
            int index = rdStart;
            int preference = 0;
            if (type == DnsType.MX)
            {
                if (length < 3) return DnsParseError.BadRecordData;
                preference = Get16(msg, index);
                index += 2;
            }
            // The name's own bytes must lie inside RDATA (reading stops at rdEnd); a pointer may
            // reach back anywhere before it in the message.
            string target = null;
            DnsParseError error = owner == null
                ? DnsName.TrySkip(msg, start, rdEnd, ref index)
                : DnsName.TryRead(msg, start, rdEnd, ref index, out target);
            if (error == DnsParseError.UnexpectedEnd) return DnsParseError.BadRecordData;
            if (error != DnsParseError.None) return error;
            if (index != rdEnd) return DnsParseError.BadRecordData;
            if (owner != null) record = new DnsRecord(owner, type, ttl, preference, target, null);
            return DnsParseError.None;
        }
    }
}
