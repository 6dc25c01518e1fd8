// The console's commands, the same on every way in (console.listen over TCP, a serial port, the
// ESP32's UART, the terminal of mailgw run). Each runs within one loop pass against the live
// gateway, so it sees and changes exactly what the queue runner sees; long output goes through an
// IConsoleProducer, a little per pass.
//   help                      the commands
//   status                    version, uptime, listeners, sessions, queue, card, memory, clock, errors
//   queue [--json]            the queue, like mailq (--json: one JSON object per message)
//   queue show ID [--json]    one message: envelope and every recipient's progress
//   queue flush [ID]          every pending recipient (or one message's) due now
//   queue delete ID           removes a message for good, without a bounce
//   queue hold ID             keeps a message on the card, never tried until released
//   queue release ID          lets a held message go (also one held after internal errors)
//   log [N]                   the last N lines of the log (as many as console.log_bytes keeps)
//   show config               the configuration file's settings (secrets masked) and unsaved changes
//   set KEY VALUE, unset KEY  change a setting, checked as the file is at start (ConfigEdits)
//   save                      writes the changes to the file atomically (IConsolePlatform)
//   reload, reboot, shutdown  apply the saved file, restart, stop (what each means: the platform)
//   send test ADDRESS         queues a test message to ADDRESS through the normal path
//   dns DOMAIN                its MX and address records through the gateway's resolver (DnsReport)
//   user list|add|passwd|del  the users of the local domains (UserChange asks the password twice)
//   script                    the mode for programs (ConsoleSession)
//   quit                      ends the session
using MailGateway.Core.Runtime;
using MailGateway.Core.Text;

namespace MailGateway.Core.Console
{
    public sealed class ConsoleShell
    {
        private readonly Gateway _gateway;

        public ConsoleShell(Gateway gateway)
        {
            _gateway = gateway;
        }

        private RecentLog RecentLog { get { return _gateway.RecentLog; } }

        /// <summary>Runs one command line; ends the command (prompt or end mark) unless a producer carries on.</summary>
        public void Run(ConsoleSession s, string line)
        {
            string[] words = Words(line);
            string verb = Ascii.ToLower(words[0]);
            if (verb == "quit" || verb == "exit")
            {
                s.Quit();
                return;
            }
            if (verb == "help" || verb == "?") Help(s);
            else if (verb == "status") Status(s);
            else if (verb == "queue" || verb == "mailq") Queue(s, words);
            else if (verb == "log") Log(s, words);
            else if (verb == "show") Show(s, words);
            else if (verb == "set") Set(s, line);
            else if (verb == "unset") Unset(s, words);
            else if (verb == "save") Save(s);
            else if (verb == "reload" || verb == "reboot" || verb == "shutdown") Platform(s, verb);
            else if (verb == "send") SendTest(s, words);
            else if (verb == "dns") Dns(s, words);
            else if (verb == "user") User(s, words);
            else if (verb == "script")
            {
                s.ScriptMode = true;
                s.WriteLine("ok: script mode");
            }
            else s.WriteLine("error: unknown command \"" + words[0] + "\"; help lists the commands");
            Continue(s);
        }

        /// <summary>Lets the session's producer write more while there is room; ends the command when it is done.</summary>
        public void Continue(ConsoleSession s)
        {
            if (s.Producer != null && !s.Producer.Produce(s)) return;
            if (!s.IsClosing) s.EndCommand();
        }

        private static void Help(ConsoleSession s)
        {
            s.WriteLine("status                    version, uptime, listeners, sessions, queue, card, clock, errors");
            s.WriteLine("queue [--json]            the queue, like mailq");
            s.WriteLine("queue show ID [--json]    one message: envelope and every recipient's progress");
            s.WriteLine("queue flush [ID]          try every deferred message (or one) now");
            s.WriteLine("queue delete ID           remove a message for good, without a bounce");
            s.WriteLine("queue hold ID             keep a message on the card without trying it");
            s.WriteLine("queue release ID          let a held message go");
            s.WriteLine("log [N]                   the last N lines of the log");
            s.WriteLine("show config               the configuration file's settings (passwords masked)");
            s.WriteLine("set KEY VALUE, unset KEY  change a setting (checked at once; save writes it)");
            s.WriteLine("save                      write the changes to the configuration file");
            s.WriteLine("reload                    apply the saved file (sessions in progress get 421)");
            s.WriteLine("send test ADDRESS         queue a test message to ADDRESS (queue and log follow it)");
            s.WriteLine("dns DOMAIN                MX and address records as delivery sees them");
            s.WriteLine("user list | add NAME | passwd NAME | del NAME   the users of the local domains");
            s.WriteLine("reboot, shutdown          restart or stop the gateway");
            s.WriteLine("quit                      end this session");
        }

        private void Status(ConsoleSession s)
        {
            Config.GatewayConfig config = _gateway.Config;
            IClock clock = _gateway.Clock;
            Spool.Spool spool = _gateway.Spool;
            s.WriteLine("mailgw " + _gateway.Version + " on " + config.Hostname + ", up " + Sizes.Duration(_gateway.UptimeMs));
            for (int i = 0; i < _gateway.ListenerCount; i++) s.WriteLine("listening: " + _gateway.ListenerName(i));
            s.WriteLine("sessions: " + _gateway.ConnectionCount.ToString() + " of " + config.MaxSessions.ToString() +
                        " (SMTP, POP3 and console connections); deliveries running: " + _gateway.Queue.RunningJobs.ToString());
            int held = spool.HeldCount;
            s.WriteLine("queue: " + spool.MessagesOnCard.ToString() + " message(s) on the card at the last count" +
                        (spool.Recovering ? " (still counting after the start)" : "") +
                        ", " + spool.Count.ToString() + " in memory" + (held > 0 ? ", " + held.ToString() + " on hold" : ""));
            long used = spool.Space.UsedBytes, max = spool.Space.MaxBytes;
            s.WriteLine("card: " + Sizes.Bytes(used) + " of " + Sizes.Bytes(max) + " used (spool.max_bytes), " +
                        Sizes.Bytes(max > used ? max - used : 0) + " free");
            string memory = _gateway.ConsolePlatform != null ? _gateway.ConsolePlatform.Memory() : null;
            if (memory != null) s.WriteLine("memory: " + memory);
            s.WriteLine(clock.UnixTimeKnown() ? "clock: set, " + RfcDate.Format(clock.UnixMs())
                                              : "clock: not set (dates wait for it; queue ages and retries run regardless)");
            s.WriteLine("internal errors: " + _gateway.InternalErrors.ToString() + " in sessions, " +
                        _gateway.Queue.InternalErrors.ToString() + " in deliveries");
            string last = RecentLog.LastWarning;
            s.WriteLine("last warning: " + (last == null ? "none in the log's last " + Sizes.Bytes(config.ConsoleLog) : last));
        }

        private void Queue(ConsoleSession s, string[] words)
        {
            bool json = false;
            int n = 0;
            string[] args = new string[words.Length];
            for (int i = 1; i < words.Length; i++)
            {
                if (words[i] == "--json") json = true;
                else args[n++] = words[i];
            }
            string sub = n == 0 ? "list" : Ascii.ToLower(args[0]);
            string id = n > 1 ? Ascii.ToUpper(args[1]) : null;
            Delivery.QueueRunner runner = _gateway.Queue;
            long nowQueueMs = runner.QueueTimeMs(_gateway.Clock.MonotonicMs());
            if (sub == "list" && n <= 1)
            {
                s.Producer = new QueueListing(_gateway.Spool, nowQueueMs, json, null);
                return;
            }
            if (sub == "flush" && n == 1)
            {
                runner.FlushNow();
                s.WriteLine("ok: every deferred message is due now");
                return;
            }
            if (id == null || n > 2)
            {
                s.WriteLine("error: usage: queue [list] | queue show|flush|delete|hold|release ID");
                return;
            }
            string problem;
            if (sub == "show")
            {
                s.Producer = new QueueListing(_gateway.Spool, nowQueueMs, json, id);
                return;
            }
            if (sub == "flush") problem = runner.Flush(id);
            else if (sub == "delete") problem = runner.Delete(id);
            else if (sub == "hold") problem = runner.Hold(id);
            else if (sub == "release") problem = runner.Release(id);
            else
            {
                s.WriteLine("error: no queue command \"" + args[0] + "\"; try show, flush, delete, hold or release");
                return;
            }
            s.WriteLine(problem == null ? "ok: " + id + " " + Done(sub) : "error: " + problem);
        }

        private static string Done(string sub)
        {
            if (sub == "flush") return "is due now";
            if (sub == "delete") return "deleted";
            if (sub == "hold") return "on hold";
            return "released";
        }

        private void Log(ConsoleSession s, string[] words)
        {
            long n = 20;
            if (words.Length > 1 && (!Ascii.TryParseLong(words[1], out n) || n < 1))
            {
                s.WriteLine("error: usage: log [N], N a whole number of lines");
                return;
            }
            s.Producer = new LogLines(RecentLog, RecentLog.StartOfLast(n > 100000 ? 100000 : (int)n), RecentLog.End);
        }

        private void Dns(ConsoleSession s, string[] words)
        {
            if (words.Length != 2 || !Smtp.PathParser.IsDomain(words[1]))
            {
                s.WriteLine("error: usage: dns DOMAIN");
                return;
            }
            Delivery.SmtpDeliveries smtp = _gateway.Queue.Deliveries as Delivery.SmtpDeliveries;
            if (smtp == null)
            {
                s.WriteLine("error: this gateway has no resolver of its own to ask");
                return;
            }
            Config.GatewayConfig config = _gateway.Config;
            if (config.Smarthost != null) s.WriteLine("(mail does not go by MX here: relay.smarthost is " + config.Smarthost.Host + ")");
            s.Producer = new DnsReport(smtp.Lookups, Ascii.ToLower(words[1]), config.MaxAddressesPerAttempt);
        }

        private void User(ConsoleSession s, string[] words)
        {
            string sub = words.Length > 1 ? Ascii.ToLower(words[1]) : "";
            Local.LocalMail local = _gateway.LocalMail;
            Local.IUserEditor editor = local != null ? local.Users as Local.IUserEditor : null;
            if (local == null)
            {
                s.WriteLine("error: this gateway keeps no mailboxes (no local.domains without a route): it has no users");
                return;
            }
            if (sub == "list" && words.Length == 2)
            {
                string[] names = local.Users.Names();
                for (int i = 0; i < names.Length; i++) s.WriteLine(names[i] + "  " + local.Users.MailboxFolder(names[i]));
                s.WriteLine("-- " + names.Length.ToString() + " user(s)");
                return;
            }
            if (words.Length != 3 || (sub != "add" && sub != "passwd" && sub != "del"))
            {
                s.WriteLine("error: usage: user list | user add NAME | user passwd NAME | user del NAME");
                return;
            }
            if (editor == null)
            {
                s.WriteLine("error: the users cannot be changed from this console here");
                return;
            }
            if (sub == "del")
            {
                string problem = editor.Remove(words[2]);
                s.WriteLine(problem == null ? "ok: user " + words[2] + " removed (the mailbox folder stays on the card)" : "error: " + problem);
                return;
            }
            if (s.ScriptMode)
            {
                s.WriteLine("error: user " + sub + " asks for the password twice: use an interactive console (mailgw console), or mailgw user on the host");
                return;
            }
            s.Producer = new UserChange(editor, words[2], sub == "add");
        }

        private void SendTest(ConsoleSession s, string[] words)
        {
            if (words.Length != 3 || Ascii.ToLower(words[1]) != "test")
            {
                s.WriteLine("error: usage: send test ADDRESS");
                return;
            }
            string given = words[2];
            string bracketed = given.Length > 0 && given[0] == '<' ? given : "<" + given + ">";
            Smtp.MailPath path;
            int next;
            if (Smtp.PathParser.TryParse(bracketed, 0, false, false, out path, out next) != Smtp.PathParser.Ok || next != bracketed.Length || path.Domain == null)
            {
                s.WriteLine("error: \"" + given + "\" is not an address (user@domain)");
                return;
            }
            string queueId;
            string problem = _gateway.Queue.QueueTestMessage(path.Address, _gateway.Version, out queueId);
            s.WriteLine(problem != null ? "error: not sent: " + problem
                                        : "ok: test message " + queueId + " to <" + path.Address + "> queued; queue show " + queueId + " follows it, and log");
        }

        // ---- The configuration -------------------------------------------------------------------

        private ConfigEdits _edits;

        private ConfigEdits Edits
        {
            get
            {
                if (_edits == null) _edits = new ConfigEdits(); // made when first used: a board without a console pays nothing
                return _edits;
            }
        }

        private void Show(ConsoleSession s, string[] words)
        {
            if (words.Length != 2 || Ascii.ToLower(words[1]) != "config")
            {
                s.WriteLine("error: usage: show config");
                return;
            }
            IConsolePlatform platform = _gateway.ConsolePlatform;
            string text;
            if (!ReadConfig(s, out text)) return;
            if (text == null)
            {
                s.WriteLine("running on the embedded defaults: there is no configuration file to show");
                return;
            }
            s.WriteLine("# " + platform.ConfigName);
            s.Producer = new SettingLines(text, _edits);
        }

        private void Set(ConsoleSession s, string line)
        {
            // "set KEY VALUE": the value is the rest of the line, spaces and all.
            string rest = Ascii.Trim(line.Substring(3));
            int space = rest.IndexOf(' ');
            if (space <= 0)
            {
                s.WriteLine("error: usage: set KEY VALUE");
                return;
            }
            Edit(s, Ascii.ToLower(rest.Substring(0, space)), Ascii.Trim(rest.Substring(space + 1)));
        }

        private void Unset(ConsoleSession s, string[] words)
        {
            if (words.Length != 2)
            {
                s.WriteLine("error: usage: unset KEY");
                return;
            }
            Edit(s, Ascii.ToLower(words[1]), null);
        }

        private void Edit(ConsoleSession s, string key, string value)
        {
            string text;
            if (!ReadConfig(s, out text)) return;
            if (text == null)
            {
                s.WriteLine("error: running on the embedded defaults: there is no configuration file to change (start with --config FILE)");
                return;
            }
            string problem = Edits.Edit(text, _gateway.ConsolePlatform.ConfigName, key, value);
            if (problem != null)
            {
                s.WriteLine("error: not changed: " + problem);
                return;
            }
            s.WriteLine("ok: " + key + (value == null ? " unset" : " set") + "; save writes it, reload applies it");
        }

        private void Save(ConsoleSession s)
        {
            if (_edits == null || _edits.Count == 0)
            {
                s.WriteLine("ok: nothing to save");
                return;
            }
            IConsolePlatform platform = _gateway.ConsolePlatform;
            string text;
            if (!ReadConfig(s, out text)) return;
            string saved = _edits.Apply(text);
            // The file may have changed under us since "set": checked again, whole.
            string problem = Config.ConfigParser.Apply(saved, platform.ConfigName, new Config.GatewayConfig());
            if (problem != null)
            {
                s.WriteLine("error: not saved: the file with these changes would not start: " + problem);
                return;
            }
            try
            {
                platform.WriteConfig(saved);
            }
            catch (System.IO.IOException e)
            {
                s.WriteLine("error: not saved: " + e.Message);
                return;
            }
            int n = _edits.Count;
            _edits.Clear();
            s.WriteLine("ok: " + n.ToString() + " change(s) saved to " + platform.ConfigName + "; reload applies them");
        }

        private void Platform(ConsoleSession s, string verb)
        {
            IConsolePlatform platform = _gateway.ConsolePlatform;
            if (platform == null)
            {
                s.WriteLine("error: " + verb + " is not available here");
                return;
            }
            if (_edits != null && _edits.Count > 0 && verb != "shutdown")
            {
                s.WriteLine("error: " + _edits.Count.ToString() + " unsaved change(s): save them first, or unset them");
                return;
            }
            s.WriteLine(verb == "reload" ? platform.Reload() : verb == "reboot" ? platform.Restart() : platform.Shutdown());
        }

        // False (and said) when there is no platform or its file cannot be read.
        private bool ReadConfig(ConsoleSession s, out string text)
        {
            text = null;
            IConsolePlatform platform = _gateway.ConsolePlatform;
            if (platform == null)
            {
                s.WriteLine("error: the configuration is not reachable from this console");
                return false;
            }
            try
            {
                text = platform.ReadConfig();
                return true;
            }
            catch (System.IO.IOException e)
            {
                s.WriteLine("error: cannot read " + platform.ConfigName + ": " + e.Message);
                return false;
            }
        }

        /// <summary>The command line as the log keeps it: the value of a secret ("set console.password ...") masked.</summary>
        public static string ForLog(string line)
        {
            string[] words = Words(line);
            if (words.Length >= 3 && Ascii.ToLower(words[0]) == "set" && ConfigEdits.IsSecret(Ascii.ToLower(words[1])))
            {
                return words[0] + " " + words[1] + " ********";
            }
            return line;
        }

        // "show config": the file's settings line by line, a secret's value masked, then the unsaved changes.
        private sealed class SettingLines : IConsoleProducer
        {
            private readonly string[] _lines;
            private readonly ConfigEdits _edits;
            private int _at;
            private int _edit;

            public SettingLines(string text, ConfigEdits edits)
            {
                _lines = text.Split('\n');
                _edits = edits;
            }

            public bool Produce(ConsoleSession s)
            {
                while (s.HasRoom && _at < _lines.Length)
                {
                    string line = _lines[_at++];
                    if (line.Length > 0 && line[line.Length - 1] == '\r') line = line.Substring(0, line.Length - 1);
                    string key = ConfigEdits.KeyOf(line);
                    if (key == null) continue;
                    s.WriteLine(Masked(key, Ascii.Trim(line.Substring(line.IndexOf('=') + 1))));
                }
                int edits = _edits == null ? 0 : _edits.Count;
                while (s.HasRoom && _at >= _lines.Length && _edit < edits)
                {
                    if (_edit == 0) s.WriteLine("# not saved yet:");
                    string value = _edits.Value(_edit);
                    string key = _edits.Key(_edit++);
                    s.WriteLine(value == null ? "unset " + key : Masked(key, value));
                }
                return _at >= _lines.Length && _edit >= edits;
            }

            public void Abandon()
            {
            }

            private static string Masked(string key, string value)
            {
                return key + " = " + (ConfigEdits.IsSecret(key) && value.Length > 0 ? "********" : value);
            }
        }

        // The words of a line, split at spaces and tabs.
        private static string[] Words(string line)
        {
            string[] parts = new string[line.Length / 2 + 1];
            int n = 0;
            int i = 0;
            while (i < line.Length)
            {
                while (i < line.Length && (line[i] == ' ' || line[i] == '\t')) i++;
                int start = i;
                while (i < line.Length && line[i] != ' ' && line[i] != '\t') i++;
                if (i > start) parts[n++] = line.Substring(start, i - start);
            }
            string[] words = new string[n == 0 ? 1 : n];
            if (n == 0) words[0] = "";
            System.Array.Copy(parts, words, n);
            return words;
        }

        // "log N": the lines between two positions of the ring, a few per pass; if the gateway logs
        // so much meanwhile that the ring overwrites what is still to be shown, that is said.
        private sealed class LogLines : IConsoleProducer
        {
            private readonly RecentLog _log;
            private readonly long _to;
            private long _at;

            public LogLines(RecentLog log, long from, long to)
            {
                _log = log;
                _at = from;
                _to = to;
            }

            public void Abandon()
            {
            }

            public bool Produce(ConsoleSession s)
            {
                while (_at < _to && s.HasRoom)
                {
                    string line = _log.LineAt(_at, out _at);
                    if (line == null)
                    {
                        s.WriteLine("(the log moved on faster than this was written; try again)");
                        return true;
                    }
                    s.WriteLine(line);
                }
                return _at >= _to;
            }
        }
    }
}
