// Client addresses remembered for a while, in a bounded list (the oldest is forgotten first): who
// logged in over POP3 a moment ago (POP-before-SMTP), who logged in at all lately (so the session
// reserve keeps a place for them). The list's arrays are made once at its capacity
// (limits.remembered_clients): memory stays the same whatever the number of clients.
namespace MailGateway.Core.Runtime
{
    public sealed class AddressMemory
    {
        private readonly string[] _addresses;
        private readonly long[] _untilMs;
        private readonly long[] _since;   // when it was remembered, in order: the smallest is forgotten first
        private long _remembered;

        public AddressMemory(int capacity)
        {
            if (capacity < 1) capacity = 1;
            _addresses = new string[capacity];
            _untilMs = new long[capacity];
            _since = new long[capacity];
        }

        /// <summary>Remembers address until untilMs (monotonic), replacing an older entry for it.</summary>
        public void Remember(string address, long untilMs)
        {
            int i = System.Array.IndexOf(_addresses, address);
            if (i < 0) i = Free();
            _addresses[i] = address;
            _untilMs[i] = untilMs;
            _since[i] = ++_remembered;
        }

        /// <summary>True when address is remembered and its time has not run out.</summary>
        public bool Contains(string address, long nowMs)
        {
            int i = System.Array.IndexOf(_addresses, address);
            return i >= 0 && _untilMs[i] > nowMs;
        }

        // An empty place, else the one remembered first.
        private int Free()
        {
            int oldest = 0;
            for (int i = 0; i < _addresses.Length; i++)
            {
                if (_addresses[i] == null) return i;
                if (_since[i] < _since[oldest]) oldest = i;
            }
            return oldest;
        }
    }
}
