// The invariants, judged after a world has ended, from the ledger (what the world saw) and the
// cards as they are (what is left behind). Each violation has a short name:
//   lost                  a recipient got 250 but the message was neither delivered nor bounced
//                         (silence is right only where a bounce cannot be: for the null sender,
//                         or a sender whose own server refused mail for good — and then only if
//                         the world refused the recipient or the gateway gave up on it after
//                         queue.lifetime)
//   bounced-twice         more than one failure notification for one recipient of one message,
//                         unless the message was held twice (a lost reply) or the power went
//                         between a notification and its record
//   unjustified-bounce    a bounce the world never caused: no permanent refusal by a peer, no
//                         missing domain or null MX, no unknown user, and not yet queue.lifetime
//                         of world time since a gateway first held the message (its first final
//                         dot): a DNS timeout, a stall, a clock jump …
//   null-sender-bounce    a notification about a message whose sender was null
//   delivered-and-bounced a recipient that got the message and a bounce for it, with no lost
//                         reply or power cut between an outcome and its record to explain it
//   duplicate             more than one copy for a recipient, with no lost reply to a final dot
//                         (or a crash before the gateway could record its delivery) to explain it
//   damaged               a copy whose content is not byte for byte the message sent (the
//                         trace fields the gateways add on top aside)
//   early-warning         a delay warning before queue.warn_after of world time
//   half-written          a .TMP in a spool or mailbox (but one a torn rename left beside its
//                         committed twin, which the gateway must leave on FAT and log), or a
//                         queue file left without its message
//   quarantined           a .BAD: a committed message set aside as damaged
//   stuck                 a queue that did not drain after every fault healed
//   vanished              a message seen in a mailbox that is gone without being fetched
//   internal-error / held the loop contained an exception (a bug even when contained)
//   bounce-sender         a notification that did not come from the null sender
//   loop-threw, spin, open-relay, world-crashed (the simulator itself failed) are found while the
//   world runs.
using System;
using System.Collections.Generic;
using System.Text;
using MailGateway.Core.Spool;

namespace MailGateway.Emulator.Simulation.Worlds
{
    public static class Checker
    {
        public static void Check(World world)
        {
            Ledger ledger = world.Ledger;
            CheckCopies(ledger);
            CheckAcceptances(world);
            CheckNotifications(ledger);
            CheckCards(world);
        }

        private static bool Excused(Ledger ledger, string tag, out string why)
        {
            string id = MessageSpec.MessageIdOf(tag);
            if (ledger.LostReplies.TryGetValue(id, out why)) return true;
            return ledger.CrashWindows.TryGetValue(id, out why);
        }

        // Every copy of a world message is the message, byte for byte; notifications come from the null sender.
        private static void CheckCopies(Ledger ledger)
        {
            foreach (Copy c in ledger.Copies)
            {
                if (c.Tag != null && ledger.Messages.TryGetValue(c.Tag, out MessageSpec spec))
                {
                    if (!Same(c.Content, spec.Content, out string where))
                    {
                        ledger.Violate("damaged", c.Tag + " arrived at " + c.Place + " (" + c.CopyId + ") not as sent: " + where);
                    }
                }
                else if (c.ReportAbout != null && c.Sender != null && c.Sender.Length > 0)
                {
                    ledger.Violate("bounce-sender", "a notification about " + c.ReportAbout + " at " + c.Place + " came from <" + c.Sender + ">, not the null sender");
                }
            }
        }

        private static void CheckAcceptances(World world)
        {
            Ledger ledger = world.Ledger;
            foreach (Ledger.Acceptance a in ledger.Accepted)
            {
                MessageSpec spec = ledger.Messages[a.Tag];
                var places = new List<string>();
                foreach (Copy c in ledger.Copies)
                {
                    if (c.Tag == a.Tag && Contains(c.Recipients, a.Recipient)) places.Add(c.Place + " " + c.CopyId + " at " + World.FormatTime(c.AtMs));
                }
                var bounces = new List<Copy>();
                var bounceIds = new HashSet<string>();
                foreach (Copy c in ledger.Copies)
                {
                    if (c.ReportAbout != a.Tag || !HasAction(c, a.Recipient, "failed")) continue;
                    if (bounceIds.Add(c.MessageId ?? c.Place + c.CopyId)) bounces.Add(c);
                }
                string who = a.Tag + " to <" + a.Recipient + "> (250 from " + a.Gateway + " as " + a.QueueId + " at " + World.FormatTime(a.AtMs) + ")";
                bool excused = Excused(ledger, a.Tag, out string excuse);
                if (places.Count == 0 && bounces.Count == 0)
                {
                    // A message from the null sender that cannot be delivered is dropped, never
                    // bounced (RFC 5321 §4.5.5); so is a bounce the sender's own server refused for good.
                    bool silent = spec.Sender.Length == 0 || SenderRefused(ledger, spec.Sender, a.AtMs);
                    if (!silent || !DroppedRightly(world, a)) ledger.Violate("lost", who + " was neither delivered nor bounced");
                }
                if (places.Count > 1 && !excused)
                {
                    ledger.Violate("duplicate", who + " arrived " + places.Count + " times: " + string.Join("; ", places));
                }
                // A message the gateway holds twice (a lost reply) is bounced twice too.
                if (bounces.Count > 1 && !excused && !ledger.BounceCrashWindows.ContainsKey(a.Tag + "|" + a.Recipient.ToLowerInvariant()))
                {
                    ledger.Violate("bounced-twice", who + " was bounced " + bounces.Count + " times: " + Describe(bounces));
                }
                if (bounces.Count > 0 && spec.Sender.Length == 0)
                {
                    ledger.Violate("null-sender-bounce", who + " has the null sender but was bounced: " + Describe(bounces));
                }
                // A power cut between a bounce and its record has the recipient tried again: it may
                // then be delivered after all.
                if (bounces.Count > 0 && places.Count > 0 && !excused &&
                    !ledger.BounceCrashWindows.ContainsKey(a.Tag + "|" + a.Recipient.ToLowerInvariant()))
                {
                    ledger.Violate("delivered-and-bounced", who + " was delivered (" + places[0] + ") and bounced: " + Describe(bounces));
                }
                foreach (Copy bounce in bounces)
                {
                    if (!Justified(ledger, a, bounce.AtMs, true, out string not))
                    {
                        ledger.Violate("unjustified-bounce", who + " was bounced at " + World.FormatTime(bounce.AtMs) + " but " + not +
                                       "; the notification says: " + Diagnostic(bounce, a.Recipient));
                    }
                }
            }
        }

        // Notifications about messages with the null sender, and delay warnings that came too early.
        private static void CheckNotifications(Ledger ledger)
        {
            foreach (Copy c in ledger.Copies)
            {
                if (c.ReportAbout == null || !ledger.Messages.TryGetValue(c.ReportAbout, out MessageSpec spec)) continue;
                bool failed = false;
                foreach (KeyValuePair<string, string> action in c.ReportActions) failed |= action.Value == "failed";
                if (spec.Sender.Length == 0 && !failed)
                {
                    ledger.Violate("null-sender-bounce", "a delay warning about " + spec.Tag + " (null sender) reached " + c.Place);
                }
                if (failed) continue;
                foreach (KeyValuePair<string, string> action in c.ReportActions)
                {
                    long first = long.MaxValue;
                    foreach (Ledger.Acceptance a in ledger.Accepted)
                    {
                        if (a.Tag == spec.Tag && string.Equals(a.Recipient, action.Key, StringComparison.OrdinalIgnoreCase)) first = Math.Min(first, ledger.HeldSince(a));
                    }
                    if (first != long.MaxValue && ledger.WarnAfterMs > 0 && c.AtMs - first < ledger.WarnAfterMs - 1000)
                    {
                        ledger.Violate("early-warning", "a delay warning about " + spec.Tag + " to <" + action.Key + "> reached " + c.Place + " at " +
                                       World.FormatTime(c.AtMs) + ", " + (c.AtMs - first) / 1000 + " s after its 250 (queue.warn_after is " +
                                       ledger.WarnAfterMs / 1000 + " s)");
                    }
                }
            }
        }

        // A message from the null sender is dropped, never bounced, when it cannot be delivered: right
        // when the world refused the recipient for good, or when the accepting gateway gave up on it
        // ("status=expired" in its log, at a world time) no sooner than queue.lifetime after the 250.
        private static bool DroppedRightly(World world, Ledger.Acceptance a)
        {
            Ledger ledger = world.Ledger;
            if (Justified(ledger, a, long.MaxValue, false, out _)) return true;
            string expired = " " + a.Gateway + ": " + a.QueueId + ": to=<" + a.Recipient + ">, relay=none";
            foreach (GatewayNode g in world.Internet.Gateways)
            {
                if (g.Name != a.Gateway) continue;
                foreach (string line in g.Log)
                {
                    if (!line.Contains(expired, StringComparison.OrdinalIgnoreCase) || !line.Contains("status=expired", StringComparison.Ordinal)) continue;
                    long at = World.ParseTime(line.Substring(0, line.IndexOf(' ')));
                    if (at - a.AtMs >= ledger.LifetimeMs - 1000) return true;
                }
            }
            return false;
        }

        // Whether the world gave a reason to return this recipient by bounceAtMs: DNS or user truth,
        // a permanent refusal after the 250, or (byElapsedTime) queue.lifetime of world time.
        // The world refused mail to the sender for good after its message was accepted (so its bounce could not be delivered).
        private static bool SenderRefused(Ledger ledger, string sender, long sinceMs)
        {
            if (!ledger.PermanentRefusals.TryGetValue(sender, out List<Ledger.Refusal> refusals)) return false;
            foreach (Ledger.Refusal r in refusals)
            {
                if (r.AtMs >= sinceMs) return true;
            }
            return false;
        }

        private static bool Justified(Ledger ledger, Ledger.Acceptance a, long bounceAtMs, bool byElapsedTime, out string not)
        {
            not = null;
            string domain = a.Recipient.Substring(a.Recipient.LastIndexOf('@') + 1);
            if (ledger.MissingDomains.Contains(domain) || ledger.NullMxDomains.Contains(domain) || ledger.UnknownRecipients.Contains(a.Recipient)) return true;
            long since = ledger.HeldSince(a);
            if (ledger.PermanentRefusals.TryGetValue(a.Recipient, out List<Ledger.Refusal> refusals))
            {
                foreach (Ledger.Refusal r in refusals)
                {
                    if (r.AtMs >= since && r.AtMs <= bounceAtMs) return true;
                }
            }
            if (byElapsedTime && bounceAtMs - since >= ledger.LifetimeMs - 1000) return true;
            not = "no peer refused it for good, its domain exists, and only " + (bounceAtMs - since) / 1000 + " s of queue.lifetime's " +
                  ledger.LifetimeMs / 1000 + " s had passed";
            return false;
        }

        // ---- What is left on the cards ----------------------------------------------------------

        private static void CheckCards(World world)
        {
            Ledger ledger = world.Ledger;
            foreach (GatewayNode g in world.Internet.Gateways)
            {
                if (g.InternalErrorsSoFar > 0)
                {
                    ledger.Violate("internal-error", g.Name + " contained " + g.InternalErrorsSoFar + " internal error(s): " +
                                   string.Join(" | ", g.InternalErrorLines.GetRange(0, Math.Min(3, g.InternalErrorLines.Count))));
                }
                if (!g.IsUp)
                {
                    ledger.Violate("stuck", g.Name + " is not running at the end");
                    continue;
                }
                Spool spool = g.Gateway.Spool;
                if (spool.HeldCount > 0) ledger.Violate("held", g.Name + " holds " + spool.HeldCount + " message(s) after internal errors");
                for (int i = 0; i < spool.Count; i++)
                {
                    QueuedMessage m = spool.Message(i);
                    if (m.Held) continue;
                    var states = new StringBuilder();
                    foreach (RecipientStatus r in m.Recipients) states.Append(" <" + r.Address + "> state " + r.State + " (" + r.LastReply + ")");
                    ledger.Violate("stuck", g.Name + " still has " + m.QueueId + " from <" + m.Envelope.Sender + "> queued after every fault healed:" + states);
                }
                foreach (string name in g.Card.PeekNames())
                {
                    string id = name.Length == 12 ? name.Substring(0, 8) : null;
                    bool queued = id != null && spool.Find(id) != null;
                    if (name.EndsWith(SpoolNames.Temporary, StringComparison.Ordinal))
                    {
                        // A rename torn by a power cut leaves both names; on FAT they share clusters, so
                        // the gateway leaves the .TMP for the operator and says so. Anything else is junk.
                        if (!g.Log.Exists(l => l.Contains(": warning: " + name + " left in place beside", StringComparison.Ordinal)))
                        {
                            ledger.Violate("half-written", g.Name + " spool: " + name + " left behind" + (queued ? " beside its queued message" : ""));
                        }
                    }
                    else if (name.EndsWith(SpoolNames.Quarantine, StringComparison.Ordinal))
                    {
                        ledger.Violate("quarantined", g.Name + " spool: " + name + " was set aside as damaged");
                    }
                    else if ((name.EndsWith(SpoolNames.Message, StringComparison.Ordinal) || name.EndsWith(SpoolNames.Recipients, StringComparison.Ordinal)) && !queued)
                    {
                        ledger.Violate("half-written", g.Name + " spool: " + name + " left behind without a queued message");
                    }
                }
                foreach (string user in g.UserNames)
                {
                    SimulatedStorage folder = g.Folders.Card(g.MailboxFolder(user));
                    foreach (string name in folder.PeekNames())
                    {
                        if (name.EndsWith(".EML", StringComparison.Ordinal)) continue;
                        if (g.Log.Exists(l => l.Contains(": warning: " + name + " left in place beside", StringComparison.Ordinal))) continue; // as above
                        ledger.Violate("half-written", g.Name + " mailbox " + user + ": " + name + " left behind");
                    }
                }
            }
            // Mailbox copies: fetched, or still there.
            foreach (Copy c in ledger.Copies)
            {
                if (!c.Place.StartsWith("mailbox ", StringComparison.Ordinal)) continue;
                if (world.Retrieved.Contains(c.Place + "|" + c.CopyId)) continue;
                string[] parts = c.Place.Substring(8).Split('/');
                GatewayNode g = null;
                foreach (GatewayNode n in world.Internet.Gateways)
                {
                    if (n.Name == parts[0]) g = n;
                }
                string uid = c.CopyId.Substring(0, c.CopyId.IndexOf('#'));
                byte[] now = g.Folders.Card(g.MailboxFolder(parts[1])).PeekFile(uid + ".EML");
                if (now == null || Link.MessageIdOf(now.AsSpan(Copy.SkipTrace(now)).ToArray()) != c.MessageId)
                {
                    ledger.Violate("vanished", (c.Tag ?? c.MessageId) + " was in " + c.Place + " as " + uid + " at " + World.FormatTime(c.AtMs) +
                                   " and is gone, never fetched");
                }
            }
        }

        // ---- Helpers ---------------------------------------------------------------------------

        private static bool Same(byte[] got, byte[] sent, out string where)
        {
            where = null;
            int n = Math.Min(got.Length, sent.Length);
            for (int i = 0; i < n; i++)
            {
                if (got[i] != sent[i])
                {
                    where = "first difference at byte " + i + " of " + sent.Length;
                    return false;
                }
            }
            if (got.Length != sent.Length) where = got.Length + " bytes instead of " + sent.Length;
            return where == null;
        }

        private static bool Contains(string[] recipients, string recipient)
        {
            foreach (string r in recipients)
            {
                if (string.Equals(r, recipient, StringComparison.OrdinalIgnoreCase)) return true;
            }
            return false;
        }

        private static bool HasAction(Copy c, string recipient, string action)
        {
            foreach (KeyValuePair<string, string> a in c.ReportActions)
            {
                if (string.Equals(a.Key, recipient, StringComparison.OrdinalIgnoreCase) && a.Value == action) return true;
            }
            return false;
        }

        private static string Describe(List<Copy> bounces)
        {
            var parts = new List<string>();
            foreach (Copy b in bounces) parts.Add(b.MessageId + " at " + b.Place + " " + World.FormatTime(b.AtMs));
            return string.Join("; ", parts);
        }

        private static string Diagnostic(Copy bounce, string recipient)
        {
            string text = Encoding.Latin1.GetString(bounce.Content);
            int at = text.IndexOf("<" + recipient + ">: ", StringComparison.OrdinalIgnoreCase);
            if (at < 0) return "(no reason given)";
            int end = text.IndexOf("\r\n", at, StringComparison.Ordinal);
            return end < 0 ? text.Substring(at) : text.Substring(at, end - at);
        }
    }
}
