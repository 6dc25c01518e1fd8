// Counts the TLS sessions in use, inbound and outbound together, against limits.tls_sessions: on
// a board each one costs native memory (board.tls_session_bytes) outside the managed heap, so
// their number is bounded like sessions are. The loop takes one when a handshake is about to start
// (STARTTLS answered, an implicit-TLS connection accepted, a delivery that may use TLS connecting)
// and gives it back when that connection closes. Single-threaded like the rest of the loop.
//   - SMTP STARTTLS at the limit: 454 4.7.0 (RFC 3207 §4), the session goes on in plaintext.
//   - POP3 STLS at the limit: -ERR [SYS/TEMP]; implicit TLS at the limit: the connection is closed.
//   - Outbound: opportunistic TLS (MX, routes) goes out in plaintext; required TLS (the smarthost)
//     waits for a free one.
namespace MailGateway.Core.Runtime
{
    public sealed class TlsSessions
    {
        private readonly int _limit;
        private int _inUse;

        /// <summary>limit: the most at once; 0 or less: no limit of its own.</summary>
        public TlsSessions(int limit)
        {
            _limit = limit;
        }

        public int Limit { get { return _limit; } }
        public int InUse { get { return _inUse; } }

        /// <summary>True when TryTake would succeed now.</summary>
        public bool HasFree { get { return _limit <= 0 || _inUse < _limit; } }

        /// <summary>Takes one TLS session; false (taking nothing) at the limit.</summary>
        public bool TryTake()
        {
            if (!HasFree) return false;
            _inUse++;
            return true;
        }

        /// <summary>Gives back one taken with TryTake. Giving back more than was taken is a bug.</summary>
        public void Release()
        {
            if (_inUse <= 0) throw new System.InvalidOperationException("TlsSessions.Release without TryTake");
            _inUse--;
        }
    }
}
