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
        private ConsoleShell _shell; // made with the first console session: a board without one pays nothing
        private readonly ConsoleSettings _consoleSettings;
        private long _startedMs = -1;

        /// <summary>The build's version, for the console and the log (set by the platform before Start).</summary>
        public string Version
        {
            get { return _consoleSettings.Version; }
            set { _consoleSettings.Version = value; }
        }

        private ConsoleShell Shell
        {
            get
            {
                if (_shell == null) _shell = new ConsoleShell(this);
                return _shell;
            }
        }

        public Config.GatewayConfig Config { get { return _config; } }
        /// <summary>The users and mailboxes of the local domains; null when the gateway keeps none.</summary>
        public Local.LocalMail LocalMail { get { return _local; } }
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

        private void HandleConsoleEvents(ConsoleSession s, string clientName, long nowMs)
        {
            int e;
            while ((e = s.PollEvent()) != ConsoleSession.EventNone)
            {
                if (e == ConsoleSession.EventLogin) ConsoleLogin(s, nowMs);
                else if (e == ConsoleSession.EventCommand)
                {
                    _log.Line("console: " + clientName + ": " + ConsoleShell.ForLog(s.Command));
                    Shell.Run(s, s.Command);
                }
            }
            if (s.Producer != null && s.HasRoom) Shell.Continue(s);
            string line;
            while ((line = s.PollLogLine()) != null) _log.Line(line);
        }

        // ---- Local consoles: a terminal or a serial line the platform feeds ------------------------

        private System.Collections.ArrayList _localConsoles;

        /// <summary>
        /// A console on a line the platform owns (the terminal of mailgw run, a serial port, the
        /// board's UART): the platform feeds its input (Receive) and sends its output (PeekTransmit)
        /// around each RunOnce, which runs its commands like a TCP console's. No idle timeout; the
        /// password (console.password) is asked only when askPassword (a serial line: whoever is
        /// wired to it; the terminal: whoever started the gateway).
        /// </summary>
        public ConsoleSession OpenLocalConsole(string name, bool askPassword)
        {
            ConsoleSettings settings = _consoleSettings;
            if (!askPassword)
            {
                settings = new ConsoleSettings();
                settings.Hostname = _consoleSettings.Hostname;
                settings.Version = _consoleSettings.Version;
            }
            ConsoleSession s = new ConsoleSession(settings, name, _clock.MonotonicMs(), true);
            if (_localConsoles == null) _localConsoles = new System.Collections.ArrayList();
            _localConsoles.Add(s);
            _log.Line("console: " + name + " open");
            return s;
        }

        public void CloseLocalConsole(ConsoleSession s)
        {
            s.Abandon();
            if (_localConsoles != null && _localConsoles.Contains(s)) _localConsoles.Remove(s);
        }

        // A pass's work for the local consoles: timeouts and commands; returns the next deadline.
        private long TendLocalConsoles(long nowMs, long nextDeadline)
        {
            if (_localConsoles == null) return nextDeadline;
            for (int i = _localConsoles.Count - 1; i >= 0; i--)
            {
                ConsoleSession s = (ConsoleSession)_localConsoles[i];
                try
                {
                    s.HandleDeadline(nowMs);
                    HandleConsoleEvents(s, s.ClientAddress, nowMs);
                    long deadline = s.PollDeadline();
                    if (deadline < nextDeadline) nextDeadline = deadline;
                }
                catch (System.Exception e)
                {
                    if (Failures.IsHalt(e)) throw;
                    _internalErrors++;
                    _log.Line("warning: internal error in console " + s.ClientAddress + ": " + Failures.Describe(e) + "; that console session ends");
                    _localConsoles.RemoveAt(i);
                    s.Quit();
                }
            }
            return nextDeadline;
        }

        private void ConsoleLogin(ConsoleSession s, long nowMs)
        {
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
