// The console in the loop: listeners on console.listen, a ConsoleSession per connection, the
// password (console.password) checked in constant time with the same per-address throttle as SMTP
// AUTH and POP3, and each command run by the ConsoleShell between reads. Long output carries on in
// later passes while the socket takes it (IConsoleProducer).
using MailGateway.Core.Console;

namespace MailGateway.Core.Runtime
{
    public sealed partial class Gateway
    {
        private readonly RecentLog _recentLog;
        private readonly ConsoleShell _shell;
        private readonly ConsoleSettings _consoleSettings;
        private long _startedMs = -1;

        /// <summary>The build's version, for the console and the log (set by the platform before Start).</summary>
        public string Version
        {
            get { return _consoleSettings.Version; }
            set { _consoleSettings.Version = value; }
        }

        public Config.GatewayConfig Config { get { return _config; } }
        /// <summary>The configuration file and reload/restart/shutdown for the console; null: not available.</summary>
        public IConsolePlatform ConsolePlatform { get; set; }
        public IClock Clock { get { return _clock; } }
        /// <summary>The gateway's log as the console's "log" shows it (the last console.log_lines lines).</summary>
        public RecentLog RecentLog { get { return _recentLog; } }
        public long UptimeMs { get { return _startedMs < 0 ? 0 : _clock.MonotonicMs() - _startedMs; } }

        private ConsoleSettings ConsoleSettings()
        {
            ConsoleSettings s = new ConsoleSettings();
            s.Hostname = _config.Hostname;
            s.Password = _config.ConsolePassword;
            return s;
        }

        private void HandleConsoleEvents(Connection c, long nowMs)
        {
            ConsoleSession s = c.Console;
            int e;
            while ((e = s.PollEvent()) != ConsoleSession.EventNone)
            {
                if (e == ConsoleSession.EventLogin) ConsoleLogin(c, nowMs);
                else if (e == ConsoleSession.EventCommand)
                {
                    _log.Line("console: " + c.ClientName + ": " + ConsoleShell.ForLog(s.Command));
                    _shell.Run(s, s.Command);
                }
            }
            if (s.Producer != null && s.HasRoom) _shell.Continue(s);
            string line;
            while ((line = s.PollLogLine()) != null) _log.Line(line);
        }

        private void ConsoleLogin(Connection c, long nowMs)
        {
            ConsoleSession s = c.Console;
            string address = s.ClientAddress;
            bool ok = !_logins.IsBlocked(address, nowMs) && SameText(s.Password, _config.ConsolePassword);
            if (ok) _logins.Succeeded(address);
            else _logins.Failed(address, nowMs);
            s.CompleteLogin(ok, nowMs);
        }

        // Compares in time that depends on the lengths only, not on where the texts differ.
        private static bool SameText(string typed, string expected)
        {
            if (typed == null || expected == null) return false;
            int diff = typed.Length ^ expected.Length;
            for (int i = 0; i < typed.Length; i++) diff |= typed[i] ^ expected[i % expected.Length];
            return diff == 0;
        }
    }
}
