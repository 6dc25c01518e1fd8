// The world's ground truth, written down as the world plays: which messages it submitted, which
// recipients got their 250 (from the submitting client's own transcript), every copy that arrived
// somewhere final, every permanent refusal a scripted peer gave, the DNS names that do not exist
// or refuse mail (null MX), the users that do not exist, and the events that allow a duplicate:
// a final dot whose reply was lost (on any hop), or a gateway that lost power before it could
// record a delivery it had made (see Internet.OnCrash and GatewayNode), or whose card failed as it
// took or delivered the message. The checker (Checker) judges the run
// against this and nothing else; the gateways' own state and logs are never trusted.
using System;
using System.Collections.Generic;

namespace MailGateway.Emulator.Simulation.Worlds
{
    public sealed class Ledger
    {
        public sealed class Acceptance
        {
            public string Tag;
            public string Recipient;
            public string Gateway;
            public string QueueId;
            public long AtMs;
        }

        public sealed class Refusal
        {
            public long AtMs;
            public string Reply;
            public string Where;
        }

        // What the world submitted and what was accepted
        public readonly Dictionary<string, MessageSpec> Messages = new Dictionary<string, MessageSpec>();
        public readonly List<string> MessageOrder = new List<string>();
        private readonly Dictionary<string, Acceptance> _accepted = new Dictionary<string, Acceptance>();
        public readonly List<Acceptance> Accepted = new List<Acceptance>();

        // What arrived
        private readonly HashSet<string> _copyKeys = new HashSet<string>();
        public readonly List<Copy> Copies = new List<Copy>();

        // Why a duplicate may happen (by Message-ID)
        public readonly Dictionary<string, string> LostReplies = new Dictionary<string, string>();
        public readonly Dictionary<string, string> CrashWindows = new Dictionary<string, string>();
        /// <summary>"tag|recipient" whose failure notification may go twice (queued, then power lost before it was recorded).</summary>
        public readonly Dictionary<string, string> BounceCrashWindows = new Dictionary<string, string>();

        // Truth that justifies a bounce
        public readonly Dictionary<string, List<Refusal>> PermanentRefusals = new Dictionary<string, List<Refusal>>(StringComparer.OrdinalIgnoreCase);
        public readonly HashSet<string> MissingDomains = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        public readonly HashSet<string> NullMxDomains = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        public readonly HashSet<string> UnknownRecipients = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        // Configuration the checker needs
        public long LifetimeMs;
        public long WarnAfterMs;

        // Findings and the transcript
        public readonly List<Violation> Violations = new List<Violation>();
        public readonly List<string> Events = new List<string>();
        public readonly SortedDictionary<string, int> Stats = new SortedDictionary<string, int>(StringComparer.Ordinal);

        public void Count(string what, int n = 1)
        {
            Stats.TryGetValue(what, out int before);
            Stats[what] = before + n;
        }

        public void AddMessage(MessageSpec message)
        {
            Messages.Add(message.Tag, message);
            MessageOrder.Add(message.Tag);
        }

        /// <summary>The submitting client got 250 for the final dot: these recipients are the gateway's now.</summary>
        public void Accept(string tag, string recipient, string gateway, string queueId, long atMs)
        {
            string key = tag + "|" + recipient.ToLowerInvariant();
            if (_accepted.ContainsKey(key)) return; // accepted again after a lost reply: the first counts
            var a = new Acceptance { Tag = tag, Recipient = recipient, Gateway = gateway, QueueId = queueId, AtMs = atMs };
            _accepted.Add(key, a);
            Accepted.Add(a);
        }

        public bool WasAccepted(string tag, string recipient) => _accepted.ContainsKey(tag + "|" + recipient.ToLowerInvariant());

        /// <summary>When a client first sent the message's final dot: the gateway may hold it from then on (its 250 may be lost).</summary>
        public readonly Dictionary<string, long> FirstDotAtMs = new Dictionary<string, long>();

        public void DotSent(string tag, long atMs)
        {
            if (!FirstDotAtMs.ContainsKey(tag)) FirstDotAtMs.Add(tag, atMs);
        }

        /// <summary>Since when a gateway may have held this accepted recipient's message: its first final dot, or the 250.</summary>
        public long HeldSince(Acceptance a) => FirstDotAtMs.TryGetValue(a.Tag, out long dot) && dot < a.AtMs ? dot : a.AtMs;

        /// <summary>Records a copy once (by place, copy ID and Message-ID); true when it is new.</summary>
        public bool AddCopy(Copy copy)
        {
            copy.Parse();
            string key = copy.Place + "|" + copy.CopyId + "|" + copy.MessageId;
            if (!_copyKeys.Add(key)) return false;
            Copies.Add(copy);
            return true;
        }

        public bool HasCopy(string place, string copyId, string messageId) => _copyKeys.Contains(place + "|" + copyId + "|" + messageId);

        public void LostReply(string messageId, string why)
        {
            if (messageId != null && !LostReplies.ContainsKey(messageId)) LostReplies.Add(messageId, why);
        }

        public void CrashWindow(string messageId, string why)
        {
            if (messageId != null && !CrashWindows.ContainsKey(messageId)) CrashWindows.Add(messageId, why);
        }

        public void BounceCrashWindow(string tagAndRecipient, string why)
        {
            if (!BounceCrashWindows.ContainsKey(tagAndRecipient)) BounceCrashWindows.Add(tagAndRecipient, why);
        }

        public void RefusePermanently(string recipient, string reply, string where, long atMs)
        {
            if (!PermanentRefusals.TryGetValue(recipient, out List<Refusal> list))
            {
                list = new List<Refusal>();
                PermanentRefusals.Add(recipient, list);
            }
            list.Add(new Refusal { AtMs = atMs, Reply = reply, Where = where });
        }

        public void Violate(string invariant, string detail)
        {
            Violations.Add(new Violation(invariant, detail));
        }
    }

    /// <summary>One broken invariant: its short name (tests match on it) and what happened.</summary>
    public sealed class Violation
    {
        public Violation(string invariant, string detail)
        {
            Invariant = invariant;
            Detail = detail;
        }

        public string Invariant { get; }
        public string Detail { get; }

        public override string ToString() => Invariant + ": " + Detail;
    }
}
