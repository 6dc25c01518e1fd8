// What the resolver remembers about its servers between lookups, so that one dead entry in
// dns.servers costs one lookup its try timeout, not every lookup (the "server selection" of
// recursive resolvers; RFC 9520 §3.2 for how long a failure is remembered: at least a second,
// longer while it persists, at most five minutes).
//
// How it works: DnsLookup reports every answer a server gives (any RCODE, a truncated one too)
// with Answered, and every UDP try that ran out of time with Silent. A server that let a try time
// out and answered nothing at all — for any lookup — since that try went out is held down:
// lookups ask it after every other server, for DeadServerHoldMs, then twice as long at each
// further silence, up to MaxDeadServerHoldMs. Its first answer ends the hold. When the hold ends,
// the next lookup asks the server in its turn again: that lookup is the probe.
//
// A slow name is not a dead server: a recursive server that is still resolving a domain whose own
// name servers are dead lets that try time out, but it answers the other lookups meanwhile, and
// such a timeout does not count. A held-down server is still asked when no other is left, so a
// wrong verdict only changes the order, never whether a lookup can succeed.
//
// Fixed size: three longs per configured server, allocated once.
namespace MailGateway.Core.Dns
{
    public sealed class DnsServerHealth
    {
        private const long NeverMs = long.MinValue;

        private readonly DnsSettings _settings;
        private readonly long[] _lastAnswerMs;
        private readonly long[] _heldUntilMs;
        private readonly long[] _holdMs; // the length of the current hold; 0 when the server answers

        public DnsServerHealth(int servers, DnsSettings settings)
        {
            _settings = settings;
            _lastAnswerMs = new long[servers];
            _heldUntilMs = new long[servers];
            _holdMs = new long[servers];
            for (int i = 0; i < servers; i++)
            {
                _lastAnswerMs[i] = NeverMs;
                _heldUntilMs[i] = NeverMs;
            }
        }

        /// <summary>True while server (an index into the resolver's list) is to be asked last.</summary>
        public bool IsHeldDown(int server, long nowMs)
        {
            return nowMs < _heldUntilMs[server];
        }

        /// <summary>server sent an answer (whatever its RCODE): it is alive.</summary>
        public void Answered(int server, long nowMs)
        {
            _lastAnswerMs[server] = nowMs;
            _heldUntilMs[server] = NeverMs;
            _holdMs[server] = 0;
        }

        /// <summary>A UDP try sent to server at sentMs ran out of time at nowMs.</summary>
        public void Silent(int server, long sentMs, long nowMs)
        {
            if (_lastAnswerMs[server] >= sentMs) return; // it answered others meanwhile: a slow name, not a dead server
            if (nowMs < _heldUntilMs[server]) return;    // held down already (a try sent before the hold began)
            long hold = _holdMs[server] == 0 ? _settings.DeadServerHoldMs : _holdMs[server] * 2;
            if (hold > _settings.MaxDeadServerHoldMs) hold = _settings.MaxDeadServerHoldMs;
            _holdMs[server] = hold;
            _heldUntilMs[server] = nowMs + hold;
        }
    }
}
