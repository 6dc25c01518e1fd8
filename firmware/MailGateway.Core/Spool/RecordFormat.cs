// The self-validating record framing shared by message files (.MSG) and recipient logs (.RCP).
//
//   record = type (1 byte) | payload length (4 bytes, little-endian) | payload | CRC-32 (4 bytes)
//
// The CRC covers type, length and payload, so a torn write, a stale sector or a wrong length is
// detected when the record is read; nothing is trusted until its CRC matches (Postfix's queue files
// use typed, length-prefixed records the same way).
namespace MailGateway.Core.Spool
{
    public static class RecordFormat
    {
        public const int HeaderBytes = 5;
        public const int TrailerBytes = 4;
        public const int Overhead = HeaderBytes + TrailerBytes;
        /// <summary>Largest payload a reader accepts; anything larger is corruption.</summary>
        public const int MaxPayload = 16384;
        /// <summary>
        /// The largest payload this version writes: a body chunk (MessageWriter.ChunkBytes), or a
        /// recipient-log record with its two clipped texts (RecipientLog). A reader's buffer of this
        /// size reads every record written since; only envelope records of the first file format
        /// and body chunks of earlier versions (4 KiB) can be larger: RecordReader then makes room
        /// once, up to MaxPayload.
        /// </summary>
        public const int CommonPayload = 2048 + 64;
        /// <summary>A buffer that holds any record this version writes, framing included (the loop's scratch is this size).</summary>
        public const int BufferBytes = Overhead + CommonPayload;

        // Record types
        public const byte FileHeader = (byte)'H';   // magic "MGW1"
        public const byte Envelope = (byte)'E';         // fixed fields and the recipient count
        public const byte Recipient = (byte)'T';        // one envelope recipient, after the envelope
        public const byte Body = (byte)'B';
        public const byte End = (byte)'Z';          // body byte count and record count: the commit mark
        public const byte RecipientState = (byte)'R';
        public const byte QueueIdBound = (byte)'N';     // QUEUEIDS.A/B: the sequence's reserved upper bound
        public const byte ArrivalClock = (byte)'A';     // after the recipients: the queue clock at arrival (QueueClock)
        public const byte QueueClockMark = (byte)'C';   // QCLOCK.A/B: the queue clock (QueueClock)

        /// <summary>Frames payload[0..count) as one record appended to output. Throws for a payload
        /// the reader would refuse (a bug: nothing unreadable may ever be written, let alone answered 250).</summary>
        public static void Append(Text.ByteBuffer output, byte type, byte[] payload, int offset, int count)
        {
            if (count > MaxPayload) throw new System.ArgumentOutOfRangeException("count", "record payload over MaxPayload");
            int start = output.Count;
            output.Append(type);
            output.AppendUInt32((uint)count);
            output.Append(payload, offset, count);
            uint crc = Crc32.Compute(output.Array, output.Start + start, HeaderBytes + count);
            output.AppendUInt32(crc);
        }

        /// <summary>
        /// Frames a record in place: the payload already sits at buffer[at + HeaderBytes ..); the type,
        /// the length and the CRC are written around it. Returns the record's whole length.
        /// </summary>
        public static int Frame(byte[] buffer, int at, byte type, int count)
        {
            if (count > MaxPayload) throw new System.ArgumentOutOfRangeException("count", "record payload over MaxPayload");
            buffer[at] = type;
            WriteUInt32(buffer, at + 1, (uint)count);
            int crcAt = at + HeaderBytes + count;
            WriteUInt32(buffer, crcAt, Crc32.Compute(buffer, at, HeaderBytes + count));
            return Overhead + count;
        }

        private static void WriteUInt32(byte[] buffer, int at, uint value)
        {
            buffer[at] = (byte)value;
            buffer[at + 1] = (byte)(value >> 8);
            buffer[at + 2] = (byte)(value >> 16);
            buffer[at + 3] = (byte)(value >> 24);
        }

        public static uint ReadUInt32(byte[] buffer, int offset)
        {
            return (uint)(buffer[offset] | (buffer[offset + 1] << 8) | (buffer[offset + 2] << 16) | (buffer[offset + 3] << 24));
        }

        public static long ReadInt64(byte[] buffer, int offset)
        {
            return (long)ReadUInt32(buffer, offset) | ((long)ReadUInt32(buffer, offset + 4) << 32);
        }

        /// <summary>Reads a 16-bit length-prefixed string at offset; advances offset. Null if it overruns end.</summary>
        public static string ReadString16(byte[] buffer, ref int offset, int end)
        {
            if (offset + 2 > end) return null;
            int length = buffer[offset] | (buffer[offset + 1] << 8);
            if (offset + 2 + length > end) return null;
            string s = Text.Ascii.GetString(buffer, offset + 2, length);
            offset += 2 + length;
            return s;
        }
    }
}
