// Command lines and their handlers: AUTHORIZATION (RFC 1939 §7 USER/PASS, RFC 2449 CAPA, RFC 2595
// STLS) and TRANSACTION (RFC 1939 §5: STAT LIST RETR DELE NOOP RSET QUIT, §7 TOP UIDL). Each
// handler checks its arguments and the state, updates fields and queues exactly one status line;
// multi-line replies continue in .Transfer.cs.
using MailGateway.Core.Text;

namespace MailGateway.Core.Local
{
    public sealed partial class Pop3Session
    {
        // Collects one command line; returns bytes consumed (stops after a complete line).
        private int ReceiveCommandBytes(byte[] buffer, int offset, int count)
        {
            int result;
            int used = _lines.Read(buffer, offset, count, out result);
            switch (result)
            {
                case CommandLineReader.Line: HandleCommand(_lines.TakeLine()); break;
                case CommandLineReader.TooLong: SendError(Pop3Replies.LineTooLong); break;
                case CommandLineReader.BareCR: RefuseBrokenLine(Pop3Replies.BareLineEnd, "bare CR"); break;
                case CommandLineReader.BareLF: RefuseBrokenLine(Pop3Replies.BareLineEnd, "bare LF"); break;
                case CommandLineReader.Nul: RefuseBrokenLine(Pop3Replies.NulByte, "NUL byte"); break;
            }
            return used;
        }

        private void RefuseBrokenLine(Pop3Reply reply, string what)
        {
            _logLines.Add(what + " in command " + Who());
            Send(reply);
        }

        private void HandleCommand(string line)
        {
            int argumentStart;
            int verb = Pop3Verb.Parse(line, out argumentStart);
            string argument = line.Substring(argumentStart);
            if (verb == Pop3Verb.Unknown)
            {
                SendError(Pop3Replies.UnknownCommand);
                return;
            }
            if ((AllowedVerbs[_state] & Pop3Verb.Bit(verb)) == 0)
            {
                SendError(Pop3Replies.NotNow.WithText(Pop3Verb.Name(verb) + " not valid in this state; expected " +
                                                      Pop3Verb.Describe(AllowedVerbs[_state])));
                return;
            }
            switch (verb)
            {
                case Pop3Verb.User: HandleUser(argument); break;
                case Pop3Verb.Pass: HandlePass(argument); break;
                case Pop3Verb.Stls: HandleStls(argument); break;
                case Pop3Verb.Capa: HandleCapa(argument); break;
                case Pop3Verb.Quit: HandleQuit(argument); break;
                case Pop3Verb.Stat: HandleStat(argument); break;
                case Pop3Verb.List: HandleList(argument); break;
                case Pop3Verb.Retr: HandleRetr(argument); break;
                case Pop3Verb.Dele: HandleDele(argument); break;
                case Pop3Verb.Noop: HandleNoop(argument); break;
                case Pop3Verb.Rset: HandleRset(argument); break;
                case Pop3Verb.Uidl: HandleUidl(argument); break;
                case Pop3Verb.Top: HandleTop(argument); break;
            }
        }

        // ---- AUTHORIZATION -------------------------------------------------------------------

        private bool PlaintextLoginRefused()
        {
            if (_tls || _settings.AllowPlaintextLogin) return false;
            SendError(_settings.TlsAvailable ? Pop3Replies.PlaintextRefused : Pop3Replies.PlaintextRefusedNoTls);
            return true;
        }

        private void HandleUser(string argument)
        {
            if (PlaintextLoginRefused()) return;
            string name = Ascii.Trim(argument);
            if (name.Length == 0 || name.IndexOf(' ') >= 0)
            {
                SendError(Pop3Replies.UserSyntax);
                return;
            }
            // RFC 1939 §7: whether the mailbox exists is not said here (that would let users be probed).
            _user = name;
            _state = Pop3State.AwaitingPass;
            Send(Pop3Replies.SendPass);
        }

        private void HandlePass(string argument)
        {
            if (PlaintextLoginRefused()) return;
            if (_state != Pop3State.AwaitingPass)
            {
                SendError(Pop3Replies.UserFirst);
                return;
            }
            // RFC 1939 §7: PASS has one argument, which may contain spaces; it is taken as it is.
            if (argument.Length == 0)
            {
                SendError(Pop3Replies.PassSyntax);
                return;
            }
            _password = argument;
            Ask(Pop3Event.AuthRequested, Pop3State.AwaitingAuth);
        }

        private void HandleStls(string argument)
        {
            if (argument.Length > 0)
            {
                SendError(Pop3Replies.NoArguments);
                return;
            }
            if (_tls)
            {
                SendError(Pop3Replies.TlsActive);
                return;
            }
            if (!_settings.TlsAvailable)
            {
                SendError(Pop3Replies.TlsUnavailable);
                return;
            }
            if (_settings.TlsSessions != null && !_settings.TlsSessions.HasFree)
            {
                SendError(Pop3Replies.TlsBusy);
                return;
            }
            // The +OK goes out in clear before the handshake: the loop flushes it at StartTls.
            Send(Pop3Replies.BeginTls);
            Ask(Pop3Event.StartTls, Pop3State.AwaitingTls);
        }

        // RFC 2449 §5: one capability per line; what is listed depends on the state.
        private void HandleCapa(string argument)
        {
            if (argument.Length > 0)
            {
                SendError(Pop3Replies.NoArguments);
                return;
            }
            bool authorization = _state != Pop3State.AwaitingCommand;
            Send(Pop3Replies.CapabilityList);
            // USER only where it would be accepted now (RFC 2595 §4: a server may offer it only after STLS).
            if (authorization && (_tls || _settings.AllowPlaintextLogin)) QueueLine("USER");
            QueueLine("TOP");
            QueueLine("UIDL");
            QueueLine("PIPELINING");
            QueueLine("RESP-CODES");
            QueueLine("AUTH-RESP-CODE");
            if (authorization && !_tls && _settings.TlsAvailable) QueueLine("STLS");
            QueueLine("IMPLEMENTATION " + _settings.Implementation);
            QueueLine(".");
        }

        private void HandleQuit(string argument)
        {
            if (argument.Length > 0)
            {
                SendError(Pop3Replies.NoArguments);
                return;
            }
            if (_state != Pop3State.AwaitingCommand)
            {
                // RFC 1939 §4: QUIT in AUTHORIZATION ends the session, no UPDATE.
                Send(Pop3Reply.Positive(_settings.Hostname + " POP3 server signing off").Closing());
                return;
            }
            // RFC 1939 §6: UPDATE. The loop removes the marked messages; the reply waits for it.
            Ask(Pop3Event.Commit, Pop3State.AwaitingCommit);
        }

        // ---- TRANSACTION ---------------------------------------------------------------------

        private void HandleStat(string argument)
        {
            if (argument.Length > 0)
            {
                SendError(Pop3Replies.NoArguments);
                return;
            }
            // RFC 1939 §5: deleted messages are not counted.
            Send(Pop3Reply.Positive((_count - _deletedCount).ToString() + " " + VisibleOctets().ToString()));
        }

        private void HandleList(string argument)
        {
            string first, second;
            int words = SplitArguments(argument, out first, out second);
            if (words > 1)
            {
                SendError(Pop3Replies.BadMessageNumber.WithText("Syntax: LIST [message]"));
                return;
            }
            if (words == 1)
            {
                int index;
                if (!FindMessage(first, out index)) return;
                Send(Pop3Reply.Positive((index + 1).ToString() + " " + _maildrop.Size(index).ToString()));
                return;
            }
            Send(Pop3Reply.Positive(Messages(_count - _deletedCount) + " (" + VisibleOctets().ToString() + " octets)"));
            StartListing(SendingList);
        }

        private void HandleUidl(string argument)
        {
            string first, second;
            int words = SplitArguments(argument, out first, out second);
            if (words > 1)
            {
                SendError(Pop3Replies.BadMessageNumber.WithText("Syntax: UIDL [message]"));
                return;
            }
            if (words == 1)
            {
                int index;
                if (!FindMessage(first, out index)) return;
                Send(Pop3Reply.Positive((index + 1).ToString() + " " + _maildrop.Uid(index)));
                return;
            }
            Send(Pop3Replies.UidListFollows);
            StartListing(SendingUidl);
        }

        private void HandleRetr(string argument)
        {
            string first, second;
            if (SplitArguments(argument, out first, out second) != 1)
            {
                SendError(Pop3Replies.BadMessageNumber.WithText("Syntax: RETR message"));
                return;
            }
            int index;
            if (!FindMessage(first, out index)) return;
            long size = _maildrop.Size(index);
            Send(Pop3Reply.Positive(size.ToString() + " octets"));
            _retrieved++;
            _retrievedBytes += size;
            StartMessage(index, -1);
        }

        private void HandleTop(string argument)
        {
            string first, second;
            long lines;
            if (SplitArguments(argument, out first, out second) != 2)
            {
                SendError(Pop3Replies.TopSyntax);
                return;
            }
            int index;
            if (!FindMessage(first, out index)) return;
            // RFC 1939 §7: "n" must be non-negative.
            if (!Ascii.TryParseLong(second, out lines))
            {
                SendError(Pop3Replies.TopSyntax);
                return;
            }
            Send(Pop3Replies.TopFollows);
            _topCount++;
            StartMessage(index, lines);
        }

        private void HandleDele(string argument)
        {
            string first, second;
            if (SplitArguments(argument, out first, out second) != 1)
            {
                SendError(Pop3Replies.BadMessageNumber.WithText("Syntax: DELE message"));
                return;
            }
            int index;
            if (!FindMessage(first, out index)) return;
            _deleted[index] = true;
            _deletedCount++;
            _maildrop.MarkDeleted(index);
            Send(Pop3Reply.Positive("message " + (index + 1).ToString() + " deleted"));
        }

        private void HandleNoop(string argument)
        {
            if (argument.Length > 0)
            {
                SendError(Pop3Replies.NoArguments);
                return;
            }
            Send(Pop3Replies.Ok);
        }

        private void HandleRset(string argument)
        {
            if (argument.Length > 0)
            {
                SendError(Pop3Replies.NoArguments);
                return;
            }
            // RFC 1939 §5: every message marked as deleted is unmarked.
            for (int i = 0; i < _count; i++) _deleted[i] = false;
            _deletedCount = 0;
            _maildrop.UnmarkAll();
            Send(Pop3Reply.Positive("maildrop has " + Messages(_count) + " (" + VisibleOctets().ToString() + " octets)"));
        }

        // ---- Arguments -----------------------------------------------------------------------

        /// <summary>
        /// Words of an argument separated by spaces (RFC 1939 §3 says one; more are tolerated);
        /// returns how many (3 means "more than two"); first and second are the first two.
        /// </summary>
        private static int SplitArguments(string argument, out string first, out string second)
        {
            first = null;
            second = null;
            int words = 0;
            int i = 0;
            while (i < argument.Length)
            {
                if (argument[i] == ' ')
                {
                    i++;
                    continue;
                }
                int end = argument.IndexOf(' ', i);
                if (end < 0) end = argument.Length;
                string word = argument.Substring(i, end - i);
                if (words == 0) first = word;
                else if (words == 1) second = word;
                words++;
                if (words == 3) return 3;
                i = end;
            }
            return words;
        }

        /// <summary>
        /// The index of message number text (1-based, not deleted); false after sending the -ERR.
        /// </summary>
        private bool FindMessage(string text, out int index)
        {
            index = -1;
            long number;
            // Leading zeros are tolerated; replies give the number without them.
            if (!Ascii.TryParseLong(text, out number))
            {
                SendError(Pop3Replies.BadMessageNumber);
                return false;
            }
            if (number < 1 || number > _count)
            {
                SendError(Pop3Reply.Negative("no such message, only " + Messages(_count) + " in maildrop"));
                return false;
            }
            index = (int)(number - 1);
            if (_deleted[index])
            {
                SendError(Pop3Reply.Negative("message " + number.ToString() + " already deleted"));
                return false;
            }
            return true;
        }
    }
}
