// The load: SMTP clients on threads with blocking sockets, one message per connection (as a camera
// sends an alert): connect, greeting, EHLO, MAIL, RCPT, DATA, the message and its final dot in one
// write, QUIT. No pipelining. Each message's sender is m<ID>@lan.test, so the sink can tell which
// one arrived; the client notes, per ID, when it connected and when the 250 after the dot came.
using System;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;

namespace MailGateway.Bench
{
    public sealed class LoadSource
    {
        private readonly IPEndPoint _target;
        private readonly byte[] _message; // headers, body and the final ".\r\n"

        public LoadSource(IPEndPoint target, int messageBytes)
        {
            _target = target;
            _message = MessageText(messageBytes);
        }

        public long[] Started;   // Stopwatch ticks per ID: connect begins
        public long[] Accepted;  // Stopwatch ticks per ID: the 250 after the dot (0: not accepted)
        public int Failures;
        public string FirstFailure;

        /// <summary>Sends IDs first..first+count-1 over 'sessions' concurrent connections.</summary>
        public void Run(int first, int count, int sessions)
        {
            int next = first - 1;
            int end = first + count;
            Thread[] threads = new Thread[sessions];
            for (int t = 0; t < sessions; t++)
            {
                threads[t] = new Thread(() =>
                {
                    byte[] buffer = new byte[4096];
                    while (true)
                    {
                        int id = Interlocked.Increment(ref next);
                        if (id >= end) return;
                        try
                        {
                            SendOne(id, buffer);
                        }
                        catch (Exception e) when (e is SocketException || e is InvalidOperationException)
                        {
                            if (Interlocked.Increment(ref Failures) == 1) FirstFailure = "message " + id + ": " + e.Message;
                        }
                    }
                });
                threads[t].IsBackground = true;
                threads[t].Start();
            }
            foreach (Thread thread in threads) thread.Join();
        }

        private void SendOne(int id, byte[] buffer)
        {
            Started[id] = Stopwatch.GetTimestamp();
            using Socket socket = new Socket(_target.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.NoDelay = true;
            socket.Connect(_target);
            Expect(socket, buffer, 220);
            Command(socket, buffer, "EHLO bench.lan.test\r\n", 250);
            Command(socket, buffer, "MAIL FROM:<m" + id + "@lan.test>\r\n", 250);
            Command(socket, buffer, "RCPT TO:<b@far.test>\r\n", 250);
            Command(socket, buffer, "DATA\r\n", 354);
            SendAll(socket, _message);
            Expect(socket, buffer, 250);
            Accepted[id] = Stopwatch.GetTimestamp();
            Command(socket, buffer, "QUIT\r\n", 221);
        }

        private static void Command(Socket socket, byte[] buffer, string line, int code)
        {
            SendAll(socket, Encoding.ASCII.GetBytes(line));
            Expect(socket, buffer, code);
        }

        private static void SendAll(Socket socket, byte[] bytes)
        {
            int sent = 0;
            while (sent < bytes.Length) sent += socket.Send(bytes, sent, bytes.Length - sent, SocketFlags.None);
        }

        // Reads one reply (its last line is "NNN " or just "NNN") and checks its code.
        private static void Expect(Socket socket, byte[] buffer, int code)
        {
            int have = 0;
            while (true)
            {
                int n = socket.Receive(buffer, have, buffer.Length - have, SocketFlags.None);
                if (n == 0) throw new InvalidOperationException("the server closed the connection (expected " + code + ")");
                have += n;
                int lineStart = 0;
                for (int i = 0; i < have - 1; i++)
                {
                    if (buffer[i] != '\r' || buffer[i + 1] != '\n') continue;
                    bool last = i - lineStart < 4 || buffer[lineStart + 3] == ' ';
                    if (last)
                    {
                        int got = (buffer[lineStart] - '0') * 100 + (buffer[lineStart + 1] - '0') * 10 + (buffer[lineStart + 2] - '0');
                        if (got != code) throw new InvalidOperationException("expected " + code + ", got: " + Encoding.ASCII.GetString(buffer, lineStart, i - lineStart));
                        return;
                    }
                    lineStart = i + 2;
                }
                if (have == buffer.Length)
                {
                    Buffer.BlockCopy(buffer, lineStart, buffer, 0, have - lineStart);
                    have -= lineStart;
                }
            }
        }

        // A plain text mail of about 'bytes' bytes in 76-character lines, ending with the final dot.
        private static byte[] MessageText(int bytes)
        {
            StringBuilder text = new StringBuilder(bytes + 256);
            text.Append("From: camera <cam@lan.test>\r\nTo: <b@far.test>\r\nSubject: motion detected\r\n");
            text.Append("Date: Mon, 07 Dec 2026 06:00:00 +0000\r\nMessage-ID: <bench@lan.test>\r\n\r\n");
            const string line = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789abcd\r\n";
            while (text.Length + line.Length <= bytes) text.Append(line);
            if (text.Length < bytes) text.Append('x', Math.Max(0, bytes - text.Length - 2)).Append("\r\n");
            text.Append(".\r\n");
            return Encoding.ASCII.GetBytes(text.ToString());
        }
    }
}
