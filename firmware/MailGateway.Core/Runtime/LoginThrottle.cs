// Failed logins (SMTP AUTH, POP3 PASS) counted per client address: after MaxFailures within
// WindowMs the address is refused without a password check until the window has passed, which
// makes guessing slow and keeps the loop from spending its time on PBKDF2 for an attacker.
// Bounded: at most limits.remembered_clients addresses are remembered (the oldest entry is
// forgotten first), in arrays made once at that size.
namespace MailGateway.Core.Runtime
{
    public sealed class LoginThrottle
    {
        public const int MaxFailures = 5;
        public const long WindowMs = 10 * 60 * 1000;
        private readonly string[] _addresses;
        private readonly int[] _failures;
        private readonly long[] _sinceMs;

        public LoginThrottle(int capacity)
        {
            if (capacity < 1) capacity = 1;
            _addresses = new string[capacity];
            _failures = new int[capacity];
            _sinceMs = new long[capacity];
        }

        public bool IsBlocked(string address, long nowMs)
        {
            int i = Find(address);
            if (i < 0) return false;
            if (nowMs - _sinceMs[i] >= WindowMs)
            {
                _addresses[i] = null;
                return false;
            }
            return _failures[i] >= MaxFailures;
        }

        public void Failed(string address, long nowMs)
        {
            int i = Find(address);
            if (i < 0 || nowMs - _sinceMs[i] >= WindowMs)
            {
                if (i < 0) i = Oldest();
                _addresses[i] = address;
                _failures[i] = 0;
                _sinceMs[i] = nowMs;
            }
            _failures[i]++;
        }

        public void Succeeded(string address)
        {
            int i = Find(address);
            if (i >= 0) _addresses[i] = null;
        }

        private int Find(string address)
        {
            for (int i = 0; i < _addresses.Length; i++)
            {
                if (_addresses[i] == address) return i;
            }
            return -1;
        }

        private int Oldest()
        {
            int oldest = 0;
            for (int i = 0; i < _addresses.Length; i++)
            {
                if (_addresses[i] == null) return i;
                if (_sinceMs[i] < _sinceMs[oldest]) oldest = i;
            }
            return oldest;
        }
    }
}
