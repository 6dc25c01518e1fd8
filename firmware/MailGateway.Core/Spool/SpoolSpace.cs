// The spool's own accounting of card space (spool.max_bytes). FAT on the ESP32 cannot report free
// space, so the spool counts every byte it writes and frees, and refuses new mail (452 4.3.1)
// before the card could fill, never after a 250 (RFC 5321 §6.1).
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
            if (_usedBytes + bytes > _maxBytes) return false;
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
