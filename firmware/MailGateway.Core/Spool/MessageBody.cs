// Streams the body of a committed message file chunk by chunk (for delivery and for quoting its
// headers in a bounce), through one reusable record buffer: the file is never read whole.
using MailGateway.Core.Runtime;

namespace MailGateway.Core.Spool
{
    public sealed class MessageBody
    {
        public const int Damaged = -1;

        private readonly IStorage _storage;
        private int _handle;
        private readonly RecordReader _reader;

        public MessageBody(IStorage storage, string fileName)
        {
            _storage = storage;
            _handle = storage.OpenRead(fileName);
            _reader = new RecordReader(storage, _handle);
        }

        /// <summary>The last chunk: Buffer[Offset .. Offset + the length Next returned).</summary>
        public byte[] Buffer { get { return _reader.Buffer; } }
        public int Offset { get { return _reader.PayloadOffset; } }

        /// <summary>The next chunk's length; 0 at the end of the body; Damaged if the file is not whole.</summary>
        public int Next()
        {
            while (true)
            {
                int type = _reader.Next();
                if (type == RecordFormat.Body)
                {
                    if (_reader.PayloadLength > 0) return _reader.PayloadLength;
                    continue;
                }
                if (type == RecordFormat.End) return 0;
                if (type < 0) return Damaged;
                // file header and envelope records come first; skip them
            }
        }

        public void Close()
        {
            if (_handle < 0) return;
            int handle = _handle;
            _handle = -1; // gone even if Close reports an error (IStorage.Close)
            _storage.Close(handle);
        }
    }
}
