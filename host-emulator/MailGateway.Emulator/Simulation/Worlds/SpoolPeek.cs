// Reads a spool file the way the gateway would, from a copy of its bytes taken with
// SimulatedStorage.PeekFile (so that looking uses up no scripted fault and needs no power): the
// body comes out through the core's own MessageBody, record by record, as far as the file is whole.
// The world uses it to see which delivery status notifications a gateway has just queued.
using System;
using System.IO;
using MailGateway.Core.Runtime;
using MailGateway.Core.Spool;

namespace MailGateway.Emulator.Simulation.Worlds
{
    public static class SpoolPeek
    {
        /// <summary>The message body stored in a queue file's bytes (as much as is whole).</summary>
        public static byte[] BodyOf(byte[] file)
        {
            var storage = new OneFile(file);
            var body = new MessageBody(storage, "PEEK.MSG");
            var output = new MemoryStream();
            try
            {
                byte[] buffer = new byte[RecordFormat.BufferBytes];
                int n;
                while ((n = body.Next(buffer, 0, buffer.Length)) > 0) output.Write(buffer, 0, n);
            }
            finally
            {
                body.Close();
            }
            return output.ToArray();
        }

        // One file, read-only, in memory.
        private sealed class OneFile : IStorage
        {
            private readonly byte[] _data;

            public OneFile(byte[] data)
            {
                _data = data;
            }

            public int OpenRead(string name) => 1;

            public int Read(int handle, long position, byte[] buffer, int offset, int count)
            {
                if (position >= _data.Length) return 0;
                int n = (int)Math.Min(count, _data.Length - position);
                Buffer.BlockCopy(_data, (int)position, buffer, offset, n);
                return n;
            }

            public void Close(int handle)
            {
            }

            public long Length(string name) => _data.Length;
            public bool Exists(string name) => true;
            public int Create(string name) => throw new NotSupportedException();
            public int OpenAppend(string name) => throw new NotSupportedException();
            public void Append(int handle, byte[] buffer, int offset, int count) => throw new NotSupportedException();
            public void Sync(int handle) => throw new NotSupportedException();
            public bool Rename(string from, string to) => throw new NotSupportedException();
            public void Delete(string name) => throw new NotSupportedException();
            public string[] List() => throw new NotSupportedException();
            public string[] ListAfter(string after, int max) => throw new NotSupportedException();
            public void SyncDirectory() => throw new NotSupportedException();
        }
    }
}
