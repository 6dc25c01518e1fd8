// The client side of the console (ConsoleSession in the core) for programs: connects to
// console.listen, logs in with console.password when the gateway asks, switches to script mode and
// runs commands, each answer read up to its end mark (a line with a single "."; a line the gateway
// dot-stuffed loses its first "."). Used by `mailgw queue` and `mailgw console -c`.
using System;
using System.Collections.Generic;
using System.IO;
using System.Net.Sockets;
using System.Text;

namespace MailGateway.Emulator.Admin
{
    public sealed class ConsoleClient : IDisposable
    {
        public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

        private readonly TcpClient _tcp;
        private readonly Stream _stream;
        private readonly byte[] _buffer = new byte[8192];

        private ConsoleClient(TcpClient tcp)
        {
            _tcp = tcp;
            _tcp.ReceiveTimeout = (int)Timeout.TotalMilliseconds;
            _tcp.SendTimeout = (int)Timeout.TotalMilliseconds;
            _stream = tcp.GetStream();
        }

        /// <summary>A connection to the console (a person's session or a program's); ConsoleException saying why not.</summary>
        public static TcpClient Connect(string host, int port)
        {
            TcpClient tcp = new TcpClient();
            try
            {
                if (tcp.ConnectAsync(host, port).Wait(Timeout)) return tcp;
                tcp.Dispose();
                throw new ConsoleException(ExitCodes.Unavailable, "no answer from the console at " + host + ":" + port);
            }
            catch (AggregateException e) when (e.InnerException is SocketException s)
            {
                tcp.Dispose();
                throw new ConsoleException(ExitCodes.Unavailable, "cannot reach the console at " + host + ":" + port + " (" + s.Message +
                                           "): is the gateway running, with console.listen set?");
            }
        }

        /// <summary>Connects, logs in and enters script mode; throws ConsoleException saying what failed.</summary>
        public static ConsoleClient Open(string host, int port, string password)
        {
            ConsoleClient client = new ConsoleClient(Connect(host, port));
            try
            {
                client.LogIn(password);
                List<string> answer = client.Run("script");
                if (answer.Count == 0 || !answer[0].StartsWith("ok", StringComparison.Ordinal))
                {
                    throw new ConsoleException(ExitCodes.Protocol, "the console did not enter script mode: " + string.Join(" ", answer));
                }
                return client;
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }

        private void LogIn(string password)
        {
            string greeting = ReadUntilPrompt();
            if (greeting.EndsWith(Core.Console.ConsoleSession.Prompt, StringComparison.Ordinal)) return;
            if (password == null)
            {
                throw new ConsoleException(ExitCodes.NoPermission, "the console asks for a password: run this as a user who can read the " +
                                           "configuration file (console.password), or give it with --config");
            }
            Send(password);
            string answer = ReadUntilPrompt();
            if (!answer.EndsWith(Core.Console.ConsoleSession.Prompt, StringComparison.Ordinal))
            {
                throw new ConsoleException(ExitCodes.NoPermission, "the console refused the password (console.password)");
            }
        }

        /// <summary>Runs one command; its output lines (dot-stuffing undone), without the end mark.</summary>
        public List<string> Run(string command)
        {
            Send(command);
            List<string> lines = new List<string>();
            while (true)
            {
                string line = ReadLine();
                if (line == null) throw new ConsoleException(ExitCodes.Protocol, "the console closed the connection during \"" + command + "\"");
                if (line == ".") return lines;
                lines.Add(line.StartsWith("..", StringComparison.Ordinal) ? line.Substring(1) : line);
            }
        }

        private void Send(string line)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(line + "\r\n");
            _stream.Write(bytes, 0, bytes.Length);
        }

        // Reads up to a prompt ("mailgw> " or "password: ") or the end of the connection.
        private string ReadUntilPrompt()
        {
            StringBuilder text = new StringBuilder();
            while (true)
            {
                string seen = text.ToString();
                if (seen.EndsWith(Core.Console.ConsoleSession.Prompt, StringComparison.Ordinal) ||
                    seen.EndsWith(Core.Console.ConsoleSession.PasswordPrompt, StringComparison.Ordinal)) return seen;
                int b = ReadByte();
                if (b < 0) return seen;
                text.Append((char)b);
            }
        }

        private string ReadLine()
        {
            MemoryStream line = new MemoryStream();
            while (true)
            {
                int b = ReadByte();
                if (b < 0) return line.Length > 0 ? Encoding.UTF8.GetString(line.ToArray()) : null;
                if (b == '\n')
                {
                    byte[] bytes = line.ToArray();
                    int n = bytes.Length > 0 && bytes[^1] == '\r' ? bytes.Length - 1 : bytes.Length;
                    return Encoding.UTF8.GetString(bytes, 0, n);
                }
                line.WriteByte((byte)b);
            }
        }

        private int _at;
        private int _count;

        private int ReadByte()
        {
            if (_at == _count)
            {
                try
                {
                    _count = _stream.Read(_buffer, 0, _buffer.Length);
                }
                catch (IOException e)
                {
                    throw new ConsoleException(ExitCodes.Protocol, "the console stopped answering: " + e.Message);
                }
                _at = 0;
                if (_count <= 0) return -1;
            }
            return _buffer[_at++];
        }

        public void Dispose()
        {
            try
            {
                Send("quit");
            }
            catch (Exception e) when (e is IOException || e is ObjectDisposedException)
            {
            }
            _tcp.Dispose();
        }
    }

    public sealed class ConsoleException : Exception
    {
        public ConsoleException(int exitCode, string message) : base(message)
        {
            ExitCode = exitCode;
        }

        public int ExitCode { get; }
    }

    /// <summary>Exit codes from sysexits.h, so scripts and cron can tell failures apart (mailgw queue, mailgw sendmail).</summary>
    public static class ExitCodes
    {
        public const int Ok = 0;
        public const int Failed = 1;
        public const int Usage = 64;
        public const int DataError = 65;
        public const int NoUser = 67;
        public const int Unavailable = 69;
        public const int IoError = 74;
        public const int TemporaryFailure = 75;
        public const int Protocol = 76;
        public const int NoPermission = 77;
    }
}
