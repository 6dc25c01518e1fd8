// The spool's own accounting of card space (spool.max_bytes). FAT on the ESP32 cannot report free
// space, so the spool counts every byte it writes and frees, and refuses new mail (452 4.3.1)
// before the card could fill, never after a 250 (RFC 5321 §6.1).
// An allowance lets a write go past the limit by the bytes it is about to give back: a message's
// last copy into a local mailbox, or the bounce that ends a message, takes over the space of that
// message's queue file, which is removed right after. Without it a message that fills the budget
// could never move to its mailbox or be returned: kept for ever, and new mail refused meanwhile.
namespace MailGateway.Core.Spool
{
    public sealed class SpoolSpace
    {
        /// <summary>Envelope and record framing a message needs beyond its body.</summary>
        public const long MessageOverhead = 4096;

        private readonly long _maxBytes;
        private long _usedBytes;

        public SpoolSpace(long maxBytes)
        {
            _maxBytes = maxBytes;
        }

        public long MaxBytes { get { return _maxBytes; } }
        public long UsedBytes { get { return _usedBytes; } }

        /// <summary>True when a message of bodyBytes (0 when unknown) would fit now.</summary>
        public bool HasRoomFor(long bodyBytes)
        {
            return _usedBytes + bodyBytes + MessageOverhead <= _maxBytes;
        }

        /// <summary>Takes bytes for a write; false (and nothing taken) when they do not fit.</summary>
        public bool TryTake(long bytes)
        {
            return TryTake(bytes, 0);
        }

        /// <summary>As TryTake, allowed past the limit by allowanceBytes (bytes the caller is about to give back; see the header).</summary>
        public bool TryTake(long bytes, long allowanceBytes)
        {
            if (_usedBytes + bytes > _maxBytes + allowanceBytes) return false;
            _usedBytes += bytes;
            return true;
        }

        /// <summary>Counts bytes already on the card (found at start-up) whether they fit or not.</summary>
        public void Take(long bytes)
        {
            _usedBytes += bytes;
        }

        public void Release(long bytes)
        {
            _usedBytes -= bytes;
            if (_usedBytes < 0) _usedBytes = 0;
        }
    }
}
