// The outcome of one lookup as a value: the question, a DnsStatus, the records of the asked type,
// the canonical name reached through CNAMEs, and a detail text for logs.
//
// FromAnswer is the one interpretation of a response, shared by the core resolver and the host's
// DnsClient lookups so that the two cannot disagree about what an answer means: starting at the
// asked name, take the records of the asked type owned by it; if there are none and the name has
// a CNAME in the answer, move to its target and look again (RFC 1034 §3.6.2, §5.2.2), at most
// MaxAliasesInAnswer times (a chain still going on after that — a loop — is an Alias too, so
// the planner's bound ends it as a temporary failure rather than as NODATA). RFC 6604 §3: the
// RCODE speaks of the last name of the chain.
// Records of other names or types (out-of-chain extras) are ignored.
namespace MailGateway.Core.Dns
{
    public sealed class DnsResult
    {
        /// <summary>CNAMEs followed inside one answer; the planner bounds the chain across lookups.</summary>
        public const int MaxAliasesInAnswer = 16;

        private static readonly DnsRecord[] NoRecords = new DnsRecord[0];

        // Question
        public readonly string Name;
        public readonly int Type;

        // Outcome
        public readonly DnsStatus Status;
        /// <summary>Records of Type owned by CanonicalName; empty unless Status is Ok.</summary>
        public readonly DnsRecord[] Records;
        /// <summary>The name at the end of the CNAME chain in the answer; Name when there is none.</summary>
        public readonly string CanonicalName;
        /// <summary>For logs: which server said what, or why there is no answer.</summary>
        public readonly string Detail;

        public DnsResult(string name, int type, DnsStatus status, DnsRecord[] records, string canonicalName, string detail)
        {
            Name = name;
            Type = type;
            Status = status;
            Records = records == null ? NoRecords : records;
            CanonicalName = canonicalName == null ? name : canonicalName;
            Detail = detail;
        }

        public bool IsTemporaryFailure { get { return DnsStatusNames.IsTemporary(Status); } }

        /// <summary>A lookup that ended without an answer (Timeout, Unreachable, ...).</summary>
        public static DnsResult Failure(string name, int type, DnsStatus status, string detail)
        {
            return new DnsResult(name, type, status, null, name, detail);
        }

        /// <summary>Interprets a response's RCODE and answer section for the question (name, type).</summary>
        public static DnsResult FromAnswer(string name, int type, int rcode, DnsRecord[] answers, string detail)
        {
            name = DnsName.WithoutTrailingDot(name);
            string current = name;
            DnsRecord[] records = NoRecords;
            bool chainGoesOn = false; // still a CNAME after the bound: a loop or an absurd chain
            for (int hops = 0; ; hops++)
            {
                records = OwnedRecords(answers, current, type);
                if (records.Length > 0) break;
                string target = AliasTarget(answers, current);
                if (target == null) break;
                if (hops == MaxAliasesInAnswer)
                {
                    chainGoesOn = true;
                    break;
                }
                current = target;
            }

            DnsStatus status;
            switch (rcode)
            {
                case DnsMessage.RcodeNoError:
                    if (records.Length > 0) status = DnsStatus.Ok;
                    else if (chainGoesOn || !DnsName.Equal(current, name)) status = DnsStatus.Alias;
                    else status = DnsStatus.NoData;
                    break;
                case DnsMessage.RcodeNxDomain: status = DnsStatus.NxDomain; break;
                case DnsMessage.RcodeFormErr: status = DnsStatus.FormErr; break;
                case DnsMessage.RcodeNotImp:
                case DnsMessage.RcodeRefused: status = DnsStatus.Refused; break;
                default: status = DnsStatus.ServFail; break;
            }
            if (status != DnsStatus.Ok) records = NoRecords;
            return new DnsResult(name, type, status, records, current, detail);
        }

        private static DnsRecord[] OwnedRecords(DnsRecord[] answers, string owner, int type)
        {
            int count = 0;
            for (int i = 0; i < answers.Length; i++)
            {
                if (answers[i].Type == type && DnsName.Equal(answers[i].Name, owner)) count++;
            }
            if (count == 0) return NoRecords;
            DnsRecord[] owned = new DnsRecord[count];
            count = 0;
            for (int i = 0; i < answers.Length; i++)
            {
                if (answers[i].Type == type && DnsName.Equal(answers[i].Name, owner)) owned[count++] = answers[i];
            }
            return owned;
        }

        private static string AliasTarget(DnsRecord[] answers, string owner)
        {
            for (int i = 0; i < answers.Length; i++)
            {
                if (answers[i].Type == DnsType.CNAME && DnsName.Equal(answers[i].Name, owner)) return answers[i].Target;
            }
            return null;
        }

        /// <summary>"example.org MX: OK (2 records)", "example.org MX: NXDOMAIN (from 127.0.0.1:53)".</summary>
        public override string ToString()
        {
            string text = Name + " " + DnsType.Name(Type) + ": " + DnsStatusNames.Name(Status);
            if (Status == DnsStatus.Ok) text = text + " (" + Records.Length.ToString() + " records)";
            if (!DnsName.Equal(CanonicalName, Name)) text = text + " via " + CanonicalName;
            if (Detail != null) text = text + " (" + Detail + ")";
            return text;
        }
    }
}
