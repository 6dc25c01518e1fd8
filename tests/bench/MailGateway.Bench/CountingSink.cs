// The far end: an ESMTP server that takes every message and notes, per ID (the m<ID>@ of MAIL FROM),
// when its final dot arrived and how many bytes its data had. A thread per connection, blocking
// sockets; replies are gathered and sent when the client has nothing more buffered, so a client
// that pipelines (RFC 2920) gets them in one write, as from a real server.
using System;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;

namespace MailGateway.Bench
{
    public sealed class CountingSink : IDisposable
    {
        private readonly Socket _listener;
        private readonly long[] _arrived;
        private readonly long[] _bytes;
        private int _count;
        private volatile bool _stopped;

        public CountingSink(IPEndPoint at, int maxId)
        {
            _arrived = new long[maxId + 1];
            _bytes = new long[maxId + 1];
            _listener = new Socket(at.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Bind(at);
            _listener.Listen(512);
            Thread accept = new Thread(AcceptLoop) { IsBackground = true };
            accept.Start();
        }

        public int Count => Volatile.Read(ref _count);
        public long ArrivedAt(int id) => Volatile.Read(ref _arrived[id]);
        public long BytesOf(int id) => Volatile.Read(ref _bytes[id]);

        /// <summary>Waits until Count reaches total; false after the timeout.</summary>
        public bool WaitForCount(int total, TimeSpan timeout)
        {
            Stopwatch clock = Stopwatch.StartNew();
            while (Count < total)
            {
                if (clock.Elapsed > timeout) return false;
                Thread.Sleep(1);
            }
            return true;
        }

        /// <summary>Waits until IDs first..first+count-1 have all arrived; false after the timeout.</summary>
        public bool WaitFor(int first, int count, TimeSpan timeout)
        {
            Stopwatch clock = Stopwatch.StartNew();
            for (int id = first; id < first + count; id++)
            {
                while (ArrivedAt(id) == 0)
                {
                    if (clock.Elapsed > timeout) return false;
                    Thread.Sleep(2);
                }
            }
            return true;
        }

        public void Dispose()
        {
            _stopped = true;
            _listener.Dispose();
        }

        private void AcceptLoop()
        {
            while (!_stopped)
            {
                Socket client;
                try
                {
                    client = _listener.Accept();
                }
                catch (Exception) when (_stopped)
                {
                    return;
                }
                catch (SocketException)
                {
                    continue;
                }
                Thread session = new Thread(() => Serve(client)) { IsBackground = true };
                session.Start();
            }
        }

        private void Serve(Socket socket)
        {
            using (socket)
            {
                try
                {
                    socket.NoDelay = true;
                    new SinkSession(this, socket).Run();
                }
                catch (SocketException)
                {
                    // the client went away
                }
                catch (ObjectDisposedException)
                {
                }
            }
        }

        // Every message counts (Count); one with a bench ID (m<ID>@) also gets its time and size.
        private void Arrive(int id, long bytes)
        {
            Interlocked.Increment(ref _count);
            if (id < 0 || id >= _arrived.Length) return;
            Volatile.Write(ref _bytes[id], bytes);
            Volatile.Write(ref _arrived[id], Stopwatch.GetTimestamp());
        }

        private sealed class SinkSession
        {
            private readonly CountingSink _sink;
            private readonly Socket _socket;
            private readonly byte[] _in = new byte[64 * 1024];
            private int _start, _end;
            private readonly StringBuilder _out = new StringBuilder();
            private int _id = -1;
            private bool _data;
            private int _dotState; // 0 mid-line, 1 CR, 2 line start, 3 line start + '.', 4 ".\r"
            private long _dataBytes;

            public SinkSession(CountingSink sink, Socket socket)
            {
                _sink = sink;
                _socket = socket;
            }

            public void Run()
            {
                _out.Append("220 sink.bench ESMTP\r\n");
                while (true)
                {
                    if (_start == _end)
                    {
                        Flush();
                        _start = _end = 0;
                        int n = _socket.Receive(_in, 0, _in.Length, SocketFlags.None);
                        if (n == 0) return;
                        _end = n;
                    }
                    if (_data)
                    {
                        Data();
                        continue;
                    }
                    int lf = Array.IndexOf(_in, (byte)'\n', _start, _end - _start);
                    if (lf < 0)
                    {
                        if (_start > 0 || _end < _in.Length)
                        {
                            Buffer.BlockCopy(_in, _start, _in, 0, _end - _start);
                            _end -= _start;
                            _start = 0;
                            Flush();
                            int n = _socket.Receive(_in, _end, _in.Length - _end, SocketFlags.None);
                            if (n == 0) return;
                            _end += n;
                            continue;
                        }
                        throw new SocketException((int)SocketError.MessageSize);
                    }
                    string line = Encoding.ASCII.GetString(_in, _start, lf - _start).TrimEnd('\r');
                    _start = lf + 1;
                    if (!Command(line)) { Flush(); return; }
                }
            }

            private bool Command(string line)
            {
                string verb = line.Length >= 4 ? line.Substring(0, 4).ToUpperInvariant() : line.ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        _out.Append("250-sink.bench\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE 104857600\r\n250 ENHANCEDSTATUSCODES\r\n");
                        break;
                    case "HELO": _out.Append("250 sink.bench\r\n"); break;
                    case "MAIL":
                        _id = ParseId(line);
                        _out.Append("250 2.1.0 Ok\r\n");
                        break;
                    case "RCPT": _out.Append("250 2.1.5 Ok\r\n"); break;
                    case "DATA":
                        _out.Append("354 End data with <CR><LF>.<CR><LF>\r\n");
                        _data = true;
                        _dotState = 2;
                        _dataBytes = 0;
                        break;
                    case "QUIT": _out.Append("221 2.0.0 Bye\r\n"); return false;
                    case "RSET": _id = -1; _out.Append("250 2.0.0 Ok\r\n"); break;
                    case "NOOP": _out.Append("250 2.0.0 Ok\r\n"); break;
                    default: _out.Append("502 5.5.2 Not implemented\r\n"); break;
                }
                return true;
            }

            // Scans data for CRLF.CRLF (the first CRLF may be the DATA line's own).
            private void Data()
            {
                int i = _start;
                int state = _dotState;
                for (; i < _end; i++)
                {
                    byte b = _in[i];
                    switch (state)
                    {
                        case 0: state = b == '\r' ? 1 : 0; break;
                        case 1: state = b == '\n' ? 2 : b == '\r' ? 1 : 0; break;
                        case 2: state = b == '.' ? 3 : b == '\r' ? 1 : 0; break;
                        case 3: state = b == '\r' ? 4 : 0; break;
                        case 4:
                            if (b == '\n')
                            {
                                _dataBytes += i + 1 - _start;
                                _start = i + 1;
                                _data = false;
                                _sink.Arrive(_id, _dataBytes);
                                _out.Append("250 2.0.0 Ok: queued\r\n");
                                return;
                            }
                            state = b == '\r' ? 1 : 0;
                            break;
                    }
                }
                _dataBytes += _end - _start;
                _start = _end;
                _dotState = state;
            }

            private static int ParseId(string line)
            {
                int m = line.IndexOf("<m", StringComparison.Ordinal);
                int at = line.IndexOf('@');
                if (m < 0 || at < m + 3) return -1;
                return int.TryParse(line.AsSpan(m + 2, at - m - 2), out int id) ? id : -1;
            }

            private void Flush()
            {
                if (_out.Length == 0) return;
                byte[] bytes = Encoding.ASCII.GetBytes(_out.ToString());
                _out.Clear();
                int sent = 0;
                while (sent < bytes.Length) sent += _socket.Send(bytes, sent, bytes.Length - sent, SocketFlags.None);
            }
        }
    }
}
