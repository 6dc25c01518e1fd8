// Aliases of the local domains (alias.<name> = target, …), expanded when a message is accepted, so
// that the queue holds real mailboxes and external addresses only (as Postfix's virtual aliases
// are expanded before the message is queued). Targets without '@' are local users of the same
// domain; aliases may point to aliases, expanded to a bounded depth; duplicates are dropped.
using System.Collections;
using MailGateway.Core.Config;

namespace MailGateway.Core.Local
{
    public sealed class AliasTable
    {
        public const int MaxDepth = 8;

        private readonly Alias[] _aliases;

        public AliasTable(Alias[] aliases)
        {
            _aliases = aliases;
        }

        public bool IsAlias(string localPart)
        {
            return Find(Text.Ascii.ToLower(localPart)) != null;
        }

        /// <summary>
        /// The final recipients for localPart@domain: the address itself when it is no alias, else
        /// its targets, recursively. Adds to result (addresses, lower-case local parts for local ones).
        /// </summary>
        public void Expand(string localPart, string domain, ArrayList result)
        {
            ExpandInto(Text.Ascii.ToLower(localPart), domain, result, 0);
        }

        private void ExpandInto(string localPart, string domain, ArrayList result, int depth)
        {
            Alias alias = depth < MaxDepth ? Find(localPart) : null;
            if (alias == null)
            {
                AddOnce(result, localPart + "@" + domain);
                return;
            }
            for (int i = 0; i < alias.Targets.Length; i++)
            {
                string target = alias.Targets[i];
                if (target.IndexOf('@') >= 0) AddOnce(result, target);
                else if (target == localPart) AddOnce(result, target + "@" + domain); // "postmaster = postmaster, …": the user itself
                else ExpandInto(target, domain, result, depth + 1);
            }
        }

        private Alias Find(string name)
        {
            for (int i = 0; i < _aliases.Length; i++)
            {
                if (_aliases[i].Name == name) return _aliases[i];
            }
            return null;
        }

        private static void AddOnce(ArrayList list, string address)
        {
            for (int i = 0; i < list.Count; i++)
            {
                if (Text.Ascii.EqualsIgnoreCase((string)list[i], address)) return;
            }
            list.Add(address);
        }
    }
}
