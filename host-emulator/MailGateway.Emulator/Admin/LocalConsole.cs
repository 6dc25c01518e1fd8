// A console on a line the host owns: the terminal mailgw run was started from (when standard input
// is a terminal), or a serial port (console.serial, System.IO.Ports). A thread reads the line and
// hands what it read to the loop (it wakes the loop); the loop feeds it to the gateway's local
// ConsoleSession before each pass and writes the session's output to the line after it, so every
// command runs on the loop's thread like a TCP console's. After "quit" the next line typed opens a
// new session. A line that fails (the serial adapter unplugged) ends this console, is logged, and
// the gateway goes on.
using System;
using System.Collections.Concurrent;
using System.IO;
using System.Threading;
using MailGateway.Core.Console;
using MailGateway.Core.Runtime;

namespace MailGateway.Emulator.Admin
{
    public sealed class LocalConsole : IDisposable
    {
        private readonly Gateway _gateway;
        private readonly string _name;
        private readonly bool _askPassword;
        private readonly Stream _input;
        private readonly Stream _output;
        private readonly IDisposable _owned;
        private readonly ILog _log;
        private readonly ConcurrentQueue<byte[]> _read = new ConcurrentQueue<byte[]>();
        private readonly Thread _reader;
        private ConsoleSession _session;
        private byte[] _chunk;
        private int _chunkAt;
        private volatile bool _ended;
        private volatile bool _disposed;

        /// <summary>owned: what to close when this console ends (a serial port); null for the terminal.</summary>
        public LocalConsole(Gateway gateway, string name, bool askPassword, Stream input, Stream output, IDisposable owned, Action wake, ILog log)
        {
            _gateway = gateway;
            _name = name;
            _askPassword = askPassword;
            _input = input;
            _output = output;
            _owned = owned;
            _log = log;
            _session = gateway.OpenLocalConsole(name, askPassword);
            _reader = new Thread(() => Read(wake)) { IsBackground = true, Name = "console " + name };
            _reader.Start();
        }

        public bool Ended => _ended;

        private void Read(Action wake)
        {
            byte[] buffer = new byte[1024];
            try
            {
                int n;
                while ((n = _input.Read(buffer, 0, buffer.Length)) > 0)
                {
                    byte[] got = new byte[n];
                    Array.Copy(buffer, got, n);
                    _read.Enqueue(got);
                    wake();
                }
            }
            catch (Exception e) when (e is IOException || e is ObjectDisposedException || e is InvalidOperationException || e is UnauthorizedAccessException)
            {
                if (!_disposed) _log.Line("warning: console " + _name + ": cannot read: " + e.Message);
            }
            _ended = true;
            wake();
        }

        /// <summary>Before a pass: what was typed, as far as the session takes it now.</summary>
        public void Feed(long nowMs)
        {
            if (_session != null && _session.IsClosed)
            {
                _gateway.CloseLocalConsole(_session);
                _session = null;
            }
            while (true)
            {
                if (_chunk == null || _chunkAt >= _chunk.Length)
                {
                    if (!_read.TryDequeue(out _chunk)) return;
                    _chunkAt = 0;
                }
                if (_session == null) _session = _gateway.OpenLocalConsole(_name, _askPassword); // after quit: the next line typed
                if (!_session.CanReceive) return;
                int used = _session.Receive(_chunk, _chunkAt, _chunk.Length - _chunkAt, nowMs);
                if (used == 0) return;
                _chunkAt += used;
            }
        }

        /// <summary>After a pass: what the session has to say, written to the line.</summary>
        public void Write()
        {
            if (_session == null) return;
            try
            {
                while (_session.PeekTransmit(out byte[] bytes, out int offset) is int n && n > 0)
                {
                    _output.Write(bytes, offset, n);
                    _session.Transmitted(n);
                }
                _output.Flush();
            }
            catch (Exception e) when (e is IOException || e is ObjectDisposedException || e is InvalidOperationException || e is TimeoutException)
            {
                _log.Line("warning: console " + _name + ": cannot write: " + e.Message + "; this console ends");
                _ended = true;
            }
        }

        public void Dispose()
        {
            _disposed = true;
            if (_session != null) _gateway.CloseLocalConsole(_session);
            _session = null;
            _owned?.Dispose();
        }
    }
}
