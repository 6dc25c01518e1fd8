// A growable byte array with a read cursor: outgoing reply bytes, record payloads, header lines.
// Bounded by its users (replies are short, payloads are chunk-sized); it never holds a message.
namespace MailGateway.Core.Text
{
    public sealed class ByteBuffer
    {
        private byte[] _bytes;
        private int _start;
        private int _end;

        public ByteBuffer(int capacity)
        {
            _bytes = new byte[capacity < 16 ? 16 : capacity];
        }

        /// <summary>Bytes written and not yet taken.</summary>
        public int Count { get { return _end - _start; } }

        public byte[] Array { get { return _bytes; } }

        public int Start { get { return _start; } }

        public byte this[int index] { get { return _bytes[_start + index]; } }

        public void Clear()
        {
            _start = 0;
            _end = 0;
        }

        public void Append(byte b)
        {
            Reserve(1);
            _bytes[_end++] = b;
        }

        public void Append(byte[] source, int offset, int count)
        {
            Reserve(count);
            System.Array.Copy(source, offset, _bytes, _end, count);
            _end += count;
        }

        /// <summary>Appends one byte per char (ASCII); chars above 255 become '?'.</summary>
        public void Append(string text)
        {
            Reserve(text.Length);
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                _bytes[_end++] = c > 255 ? (byte)'?' : (byte)c;
            }
        }

        public void AppendUInt32(uint value)
        {
            Reserve(4);
            _bytes[_end++] = (byte)value;
            _bytes[_end++] = (byte)(value >> 8);
            _bytes[_end++] = (byte)(value >> 16);
            _bytes[_end++] = (byte)(value >> 24);
        }

        public void AppendInt64(long value)
        {
            AppendUInt32((uint)value);
            AppendUInt32((uint)(value >> 32));
        }

        /// <summary>A length-prefixed (16-bit) string, for record payloads.</summary>
        public void AppendString16(string text)
        {
            int length = text.Length > 65535 ? 65535 : text.Length;
            Append((byte)length);
            Append((byte)(length >> 8));
            Append(text.Substring(0, length));
        }

        /// <summary>Copies up to max bytes out and consumes them.</summary>
        public int Take(byte[] destination, int offset, int max)
        {
            int n = Count < max ? Count : max;
            System.Array.Copy(_bytes, _start, destination, offset, n);
            Consume(n);
            return n;
        }

        public void Consume(int count)
        {
            _start += count;
            if (_start >= _end)
            {
                _start = 0;
                _end = 0;
            }
        }

        /// <summary>
        /// Makes room for count more bytes at the end (moving what is there to the front, or
        /// growing) and returns where they go: Array[returned .. returned + count). Commit then
        /// counts the bytes written there; so a producer writes straight into the buffer.
        /// </summary>
        public int Room(int count)
        {
            Reserve(count);
            return _end;
        }

        /// <summary>Counts count bytes written at the place Room returned.</summary>
        public void Commit(int count)
        {
            if (count < 0 || _end + count > _bytes.Length) throw new System.ArgumentOutOfRangeException("count");
            _end += count;
        }

        public byte[] ToArray()
        {
            byte[] copy = new byte[Count];
            System.Array.Copy(_bytes, _start, copy, 0, Count);
            return copy;
        }

        private void Reserve(int extra)
        {
            if (_end + extra <= _bytes.Length) return;
            int live = _end - _start;
            if (live + extra <= _bytes.Length && _start > 0)
            {
                System.Array.Copy(_bytes, _start, _bytes, 0, live);
            }
            else
            {
                int size = _bytes.Length * 2;
                while (size < live + extra) size *= 2;
                byte[] bigger = new byte[size];
                System.Array.Copy(_bytes, _start, bigger, 0, live);
                _bytes = bigger;
            }
            _start = 0;
            _end = live;
        }
    }
}
