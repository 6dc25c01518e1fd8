// A small value kept on the card in two files of one self-checking record each (RecordFormat),
// written alternately: FAT cannot rename over an existing name, so a file is replaced by deleting
// and creating it, and a write torn by a power cut leaves the other file's older record. The
// newer record is the one whose payload starts with the higher 64-bit number; the queue ID
// sequence (QueueIds) and the queue clock (QueueClock) keep their state this way.
using MailGateway.Core.Runtime;
using MailGateway.Core.Text;

namespace MailGateway.Core.Spool
{
    public sealed class RecordPair
    {
        private readonly IStorage _storage;
        private readonly string _fileA;
        private readonly string _fileB;
        private readonly byte _type;
        private readonly int _payloadBytes;
        private bool _writeToA = true;

        /// <summary>payloadBytes: the fixed size of the payload, which starts with the Int64 that orders the two records.</summary>
        public RecordPair(IStorage storage, string fileA, string fileB, byte type, int payloadBytes)
        {
            _storage = storage;
            _fileA = fileA;
            _fileB = fileB;
            _type = type;
            _payloadBytes = payloadBytes;
        }

        /// <summary>
        /// The newer record's payload, or null when neither file holds one that reads (missing,
        /// damaged, unreadable). The next Write replaces the other file.
        /// </summary>
        public byte[] Load()
        {
            byte[] a = Read(_fileA);
            byte[] b = Read(_fileB);
            bool useA = b == null || (a != null && RecordFormat.ReadInt64(a, 0) >= RecordFormat.ReadInt64(b, 0));
            _writeToA = !useA;
            return useA ? a : b;
        }

        /// <summary>Writes a new record over the older file and syncs it; throws IOException.</summary>
        public void Write(ByteBuffer payload)
        {
            if (payload.Count != _payloadBytes) throw new System.ArgumentException("payload of the wrong size");
            string name = _writeToA ? _fileA : _fileB;
            ByteBuffer record = new ByteBuffer(_payloadBytes + RecordFormat.Overhead);
            RecordFormat.Append(record, _type, payload.Array, payload.Start, payload.Count);
            if (_storage.Exists(name)) _storage.Delete(name);
            int handle = _storage.Create(name);
            try
            {
                _storage.Append(handle, record.Array, record.Start, record.Count);
                _storage.Sync(handle);
            }
            finally
            {
                _storage.Close(handle);
            }
            _storage.SyncDirectory();
            _writeToA = !_writeToA;
        }

        // The record's payload in one file; null when it has none that reads.
        private byte[] Read(string name)
        {
            try
            {
                if (!_storage.Exists(name)) return null;
                int handle = _storage.OpenRead(name);
                byte[] payload = null;
                try
                {
                    RecordReader reader = new RecordReader(_storage, handle, new byte[RecordFormat.Overhead + _payloadBytes]);
                    if (reader.Next() == _type && reader.PayloadLength == _payloadBytes)
                    {
                        payload = new byte[_payloadBytes];
                        System.Array.Copy(reader.Buffer, reader.PayloadOffset, payload, 0, _payloadBytes);
                    }
                }
                finally
                {
                    // What was read stands even if closing reports an error (a full card fails
                    // closes); the handle is released all the same (IStorage.Close).
                    try
                    {
                        _storage.Close(handle);
                    }
                    catch (System.IO.IOException)
                    {
                    }
                }
                return payload;
            }
            catch (System.IO.IOException)
            {
                return null; // unreadable: the other file (and what else is on the card) decides
            }
        }
    }
}
