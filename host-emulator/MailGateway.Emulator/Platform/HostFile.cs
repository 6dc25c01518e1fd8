// One open spool file of HostStorage: a bare file handle (File.OpenHandle) with positioned reads
// and writes (RandomAccess), so no FileStream keeps a file position the OS must be told of (an
// lseek before every call). The spool writes and reads in record-sized pieces, which on a card are
// what the FAT driver wants; on a host each would be a system call, so here:
//   - appends gather in a 64 KiB buffer and reach the OS when it is full, at Sync and at Close, and
//     whenever the storage needs the file's true state (Length, a reader opening it); the bytes are
//     durable only after Sync either way (IStorage), so nothing the core relies on changes;
//   - reads come from a 64 KiB window read ahead. Spool files only ever grow at their end, so
//     bytes once read never change; a read beyond the window goes to the file again.
// The buffers come from a small pool the host's storages share and go back at Close (which may
// happen on the commit thread: the pool is locked); it keeps at most MaxSpare of them, so what a
// burst of open files took is given back to the GC afterwards.
using System;
using System.Collections.Generic;
using System.IO;
using Microsoft.Win32.SafeHandles;

namespace MailGateway.Emulator.Platform
{
    internal sealed class HostFile
    {
        private const int BufferBytes = 64 * 1024;
        private const int MaxSpare = 16;
        private static readonly Stack<byte[]> Spare = new Stack<byte[]>();

        private static byte[] Rent()
        {
            lock (Spare)
            {
                if (Spare.Count > 0) return Spare.Pop();
            }
            return new byte[BufferBytes];
        }

        private static void Return(byte[] buffer)
        {
            lock (Spare)
            {
                if (Spare.Count < MaxSpare) Spare.Push(buffer);
            }
        }

        public readonly SafeFileHandle Handle;
        private long _end;          // where the next append goes (appending handles)
        private byte[] _buffer;     // pending appends, or the read-ahead window
        private int _count;         // bytes in _buffer
        private long _windowStart;  // file position of _buffer[0] (reading handles)

        public HostFile(SafeFileHandle handle, long end)
        {
            Handle = handle;
            _end = end;
        }

        public void Append(byte[] bytes, int offset, int count)
        {
            if (_buffer == null) _buffer = Rent();
            if (_count + count > _buffer.Length) Flush();
            if (count >= _buffer.Length)
            {
                RandomAccess.Write(Handle, new ReadOnlySpan<byte>(bytes, offset, count), _end);
                _end += count;
                return;
            }
            Buffer.BlockCopy(bytes, offset, _buffer, _count, count);
            _count += count;
        }

        /// <summary>Hands the pending appends to the OS.</summary>
        public void Flush()
        {
            if (_count == 0) return;
            RandomAccess.Write(Handle, new ReadOnlySpan<byte>(_buffer, 0, _count), _end);
            _end += _count;
            _count = 0;
        }

        /// <summary>True when a read of these bytes is served from the window, without the file.</summary>
        public bool Holds(long position, int count)
        {
            return _buffer != null && position >= _windowStart && position + count <= _windowStart + _count;
        }

        public int Read(long position, byte[] bytes, int offset, int count)
        {
            if (count >= BufferBytes) return RandomAccess.Read(Handle, new Span<byte>(bytes, offset, count), position);
            if (_buffer == null) _buffer = Rent();
            if (!Holds(position, count))
            {
                _windowStart = position;
                _count = 0;
                _count = RandomAccess.Read(Handle, new Span<byte>(_buffer, 0, _buffer.Length), position);
            }
            int available = (int)Math.Min(count, _windowStart + _count - position);
            if (available <= 0) return 0;
            Buffer.BlockCopy(_buffer, (int)(position - _windowStart), bytes, offset, available);
            return available;
        }

        /// <summary>Closes the handle (after Flush for appends) and gives the buffer back.</summary>
        public void Dispose()
        {
            Handle.Dispose();
            if (_buffer == null) return;
            Return(_buffer);
            _buffer = null;
        }
    }
}
