// Client addresses remembered for a while, in a bounded list (the oldest is forgotten first): who
// logged in over POP3 a moment ago (POP-before-SMTP), who logged in at all lately (so the session
// reserve keeps a place for them). Memory stays bounded whatever the number of clients.
using System.Collections;

namespace MailGateway.Core.Runtime
{
    public sealed class AddressMemory
    {
        private readonly int _capacity;
        private readonly ArrayList _addresses = new ArrayList();
        private readonly ArrayList _untilMs = new ArrayList();

        public AddressMemory(int capacity)
        {
            _capacity = capacity;
        }

        /// <summary>Remembers address until untilMs (monotonic), replacing an older entry for it.</summary>
        public void Remember(string address, long untilMs)
        {
            int i = _addresses.IndexOf(address);
            if (i >= 0)
            {
                _addresses.RemoveAt(i);
                _untilMs.RemoveAt(i);
            }
            if (_addresses.Count >= _capacity)
            {
                _addresses.RemoveAt(0);
                _untilMs.RemoveAt(0);
            }
            _addresses.Add(address);
            _untilMs.Add(untilMs);
        }

        /// <summary>True when address is remembered and its time has not run out.</summary>
        public bool Contains(string address, long nowMs)
        {
            int i = _addresses.IndexOf(address);
            return i >= 0 && (long)_untilMs[i] > nowMs;
        }
    }
}
