// What an envelope recipient stands for: an address of a local domain goes through the alias table
// (recursively, bounded, without duplicates; AliasTable), any other address stands for itself.
// Used when a message is accepted (the SMTP session's recipients) and when the queue writes a
// report of its own (a bounce, a postmaster copy or notice), so that both reach the same people:
// a report to postmaster@ a local domain whose postmaster is an alias reaches the alias's targets.
using System.Collections;

namespace MailGateway.Core.Local
{
    public sealed class RecipientExpansion
    {
        private readonly AliasTable _aliases;
        private readonly Relay.RelayPolicy _policy;

        public RecipientExpansion(AliasTable aliases, Relay.RelayPolicy policy)
        {
            _aliases = aliases;
            _policy = policy;
        }

        /// <summary>Adds what address (local@domain, without brackets) stands for to result, each address once.</summary>
        public void Add(string address, ArrayList result)
        {
            int at = address.LastIndexOf('@');
            if (at > 0 && _policy.IsLocalDomain(address.Substring(at + 1)))
            {
                _aliases.Expand(address.Substring(0, at), address.Substring(at + 1), result);
            }
            else if (!result.Contains(address))
            {
                result.Add(address);
            }
        }

        /// <summary>What one address stands for.</summary>
        public string[] Of(string address)
        {
            ArrayList result = new ArrayList();
            Add(address, result);
            return (string[])result.ToArray(typeof(string));
        }
    }
}
