// The systems under test, each started fresh for a load and stopped after it: the gateway (the
// mailgw binary given, with its spool in a temporary folder, relaying to the sink as its
// smarthost) and Postfix (a private instance from postfix-relay.sh, relaying to the same sink).
// Both listen on loopback only.
using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;

namespace MailGateway.Bench
{
    public interface IContender
    {
        string Name { get; }
        IPEndPoint Endpoint { get; }
        /// <summary>The running system's processes; null when nothing runs between source and sink.</summary>
        ProcessTree Tree { get; }
        void Start();
        void Stop();
    }

    /// <summary>No relay at all: the source talks to the sink, the ceiling of the bench itself.</summary>
    public sealed class Direct : IContender
    {
        public Direct(IPEndPoint sink) { Endpoint = sink; }
        public string Name => "bench source → sink";
        public IPEndPoint Endpoint { get; }
        public ProcessTree Tree => null;
        public void Start() { }
        public void Stop() { }
    }

    public sealed class Gateway : IContender
    {
        private readonly string[] _command;
        private readonly string _folder;
        private readonly IPEndPoint _sink;
        private Process _process;

        public Gateway(string[] command, string folder, IPEndPoint listen, IPEndPoint sink)
        {
            _command = command;
            _folder = folder;
            _sink = sink;
            Endpoint = listen;
        }

        public string Name => "MailGateway";
        public IPEndPoint Endpoint { get; }
        public ProcessTree Tree { get; private set; }
        /// <summary>DOTNET_GCHeapHardLimit for the next start, in bytes (0: none).</summary>
        public long HeapLimit { get; set; }
        public string LogPath => Path.Combine(_folder, "mailgw.log");

        public void Start()
        {
            if (Directory.Exists(_folder)) Directory.Delete(_folder, true);
            Directory.CreateDirectory(_folder);
            string config = Path.Combine(_folder, "mailgw.conf");
            File.WriteAllText(config,
                "hostname = gateway.bench\n" +
                "smtp.listen = " + Endpoint + "\n" +
                "spool.dir = " + Path.Combine(_folder, "spool") + "\n" +
                "relay.allow = 127.0.0.0/8\n" +
                "relay.smarthost = " + _sink + "\n" +
                "relay.smarthost_tls = none\n" +
                "limits.sessions = 64\n" +
                "limits.sessions_per_client = 64\n");
            ProcessStartInfo start = new ProcessStartInfo(_command[0])
            {
                RedirectStandardOutput = false,
                UseShellExecute = false,
            };
            for (int i = 1; i < _command.Length; i++) start.ArgumentList.Add(_command[i]);
            start.ArgumentList.Add("run");
            start.ArgumentList.Add("--config");
            start.ArgumentList.Add(config);
            if (HeapLimit > 0) start.Environment["DOTNET_GCHeapHardLimit"] = "0x" + HeapLimit.ToString("x");
            // The log goes to a file, as Postfix's goes to its maillog: through a shell redirect,
            // so the gateway writes it itself and the bench spends nothing on it.
            start.FileName = "/bin/sh";
            start.ArgumentList.Insert(0, "-c");
            start.ArgumentList.Insert(1, "exec \"$0\" \"$@\" >" + Quote(LogPath) + " 2>&1");
            start.ArgumentList.Insert(2, _command[0]);
            _process = Process.Start(start);
            Tree = new ProcessTree(_process.Id);
            Ports.WaitListening(Endpoint, _process, LogPath);
        }

        public void Stop()
        {
            if (_process == null) return;
            Signals.Terminate(_process.Id);
            if (!_process.WaitForExit(30_000))
            {
                _process.Kill();
                _process.WaitForExit();
            }
            Tree.Dispose();
            _process.Dispose();
            _process = null;
        }

        private static string Quote(string path) => "'" + path.Replace("'", "'\\''") + "'";
    }

    public sealed class Postfix : IContender
    {
        private readonly string _script;
        private readonly string _folder;
        private readonly IPEndPoint _sink;
        private int _master;

        public Postfix(string script, string folder, IPEndPoint listen, IPEndPoint sink)
        {
            _script = script;
            _folder = folder;
            _sink = sink;
            Endpoint = listen;
        }

        public string Name => "Postfix " + Version();
        public IPEndPoint Endpoint { get; }
        public ProcessTree Tree { get; private set; }

        public void Start()
        {
            if (Directory.Exists(_folder)) Directory.Delete(_folder, true);
            string output = Shell.Run(_script, "start", _folder, Endpoint.ToString(), _sink.ToString());
            string[] lines = output.Trim().Split('\n');
            _master = int.Parse(lines[lines.Length - 1].Trim());
            Tree = new ProcessTree(_master);
            Ports.WaitListening(Endpoint, null, null);
        }

        public void Stop()
        {
            if (_master == 0) return;
            Shell.Run(_script, "stop", _folder);
            Tree.Dispose();
            _master = 0;
        }

        private static string _version;
        private static string Version()
        {
            if (_version == null)
            {
                try { _version = Shell.Run("/usr/sbin/postconf", "-d", "-h", "mail_version").Trim(); }
                catch (InvalidOperationException) { _version = "?"; }
            }
            return _version;
        }
    }

    public static class Ports
    {
        /// <summary>Waits until something accepts connections at the address (at most 30 s).</summary>
        public static void WaitListening(IPEndPoint at, Process process, string log)
        {
            Stopwatch clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                if (process != null && process.HasExited)
                {
                    throw new InvalidOperationException("the gateway stopped at start: " + (log != null && File.Exists(log) ? File.ReadAllText(log) : ""));
                }
                try
                {
                    using Socket probe = new Socket(at.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                    probe.Connect(at);
                    return;
                }
                catch (SocketException)
                {
                    Thread.Sleep(20);
                }
            }
            throw new InvalidOperationException("nothing listens at " + at + " after 30 s");
        }
    }

    public static class Shell
    {
        /// <summary>Runs a program to its end; its standard output, or an exception naming its error.</summary>
        public static string Run(string program, params string[] args)
        {
            ProcessStartInfo start = new ProcessStartInfo(program)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (string a in args) start.ArgumentList.Add(a);
            using Process p = Process.Start(start);
            p.StandardInput.Close();
            System.Threading.Tasks.Task<string> error = p.StandardError.ReadToEndAsync();
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException(program + " " + string.Join(" ", args) + ": exit " + p.ExitCode + ": " + error.Result + output);
            return output;
        }
    }

    public static class Signals
    {
        [DllImport("libc", SetLastError = true)]
        private static extern int kill(int pid, int sig);

        public static void Terminate(int pid) => kill(pid, 15);
    }
}
