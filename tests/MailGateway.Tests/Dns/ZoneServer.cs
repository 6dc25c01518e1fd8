// zone_server.py (dnslib) as a child process on 127.0.0.1 and an ephemeral port, UDP and TCP.
// Started with a zone and knobs, waited for with a bound ("READY <port>"), stopped by the PID this
// class started (its standard input is closed first, which ends it by itself). The queries it saw
// are collected ("QUERY udp name TYPE"), so a test can tell a TCP retry from a UDP answer.
// Needs Debian's python3-dnslib; /usr/bin/python3 is preferred because a python3 earlier on PATH
// (pyenv, a venv) does not see Debian's packages.
using System.Diagnostics;
using MailGateway.Core.Dns;
using MailGateway.Tests.Config;

namespace MailGateway.Tests.Dns
{
    public sealed class ZoneServer : IDisposable
    {
        private readonly Process _process;
        private readonly List<string> _lines = new();
        private readonly ManualResetEventSlim _ready = new();
        private readonly string _zoneFile;

        public readonly int Port;

        public ZoneServer(string zone, params string[] options)
        {
            _zoneFile = Path.Combine(Path.GetTempPath(), "mailgw-zone-" + Guid.NewGuid().ToString("N") + ".zone");
            File.WriteAllText(_zoneFile, zone);
            string script = Path.Combine(ConfigParserTests.RepositoryRoot(), "tests", "MailGateway.Tests", "Dns", "zone_server.py");
            var start = new ProcessStartInfo(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(script);
            start.ArgumentList.Add("--zone");
            start.ArgumentList.Add(_zoneFile);
            start.ArgumentList.Add("--port");
            start.ArgumentList.Add("0");
            start.ArgumentList.Add("--max-seconds");
            start.ArgumentList.Add("600");
            foreach (string option in options) start.ArgumentList.Add(option);
            _process = Process.Start(start)!;
            _process.OutputDataReceived += (_, e) => Collect(e.Data);
            _process.ErrorDataReceived += (_, e) => Collect(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();

            var clock = Stopwatch.StartNew();
            while (!_ready.Wait(100))
            {
                if (_process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(20))
                {
                    string output = string.Join("\n", Lines);
                    Dispose();
                    throw new InvalidOperationException(
                        "zone_server.py did not start (it needs python3-dnslib: apt-get install -y python3-dnslib):\n" + output);
                }
            }
            Port = int.Parse(Lines.First(l => l.StartsWith("READY ")).Substring(6));
        }

        private void Collect(string line)
        {
            if (line == null) return;
            lock (_lines) _lines.Add(line);
            if (line.StartsWith("READY ")) _ready.Set();
        }

        public string[] Lines
        {
            get { lock (_lines) return _lines.ToArray(); }
        }

        /// <summary>"udp example.org MX" for each query the server saw.</summary>
        public string[] Queries => Lines.Where(l => l.StartsWith("QUERY ")).Select(l => l.Substring(6)).ToArray();

        public DnsServer Server => new DnsServer("127.0.0.1", Port);

        /// <summary>
        /// How often the server logged this query ("tcp example.org MX"), once it has logged at least
        /// atLeast of them or 10 s passed: its output is read on another thread, so a line may
        /// arrive a moment after the answer it was printed before.
        /// </summary>
        public int CountQueries(string query, int atLeast)
        {
            var clock = Stopwatch.StartNew();
            int count;
            while ((count = Queries.Count(q => q == query)) < atLeast && clock.Elapsed < TimeSpan.FromSeconds(10)) Thread.Sleep(10);
            return count;
        }

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.StandardInput.Close();
                    if (!_process.WaitForExit(2000)) _process.Kill();
                    _process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
            }
            _process.Dispose();
            File.Delete(_zoneFile);
        }
    }
}
