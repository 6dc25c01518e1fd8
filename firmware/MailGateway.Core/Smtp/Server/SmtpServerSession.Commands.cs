// Command lines and their handlers (RFC 5321 §4.1.1, ESMTP parameters RFC 1870, RFC 6152).
// Each handler checks its arguments and the state, updates fields and queues exactly one reply.
using MailGateway.Core.Text;

namespace MailGateway.Core.Smtp
{
    public sealed partial class SmtpServerSession
    {
        // Collects one command line (or AUTH response line); returns bytes consumed (stops after a complete line).
        private int ReceiveCommandBytes(byte[] buffer, int offset, int count)
        {
            int result;
            int used = _lines.Read(buffer, offset, count, out result);
            switch (result)
            {
                case CommandLineReader.Line:
                    string line = _lines.TakeLine();
                    if (_state == ServerState.AwaitingAuthResponse) HandleAuthResponse(line);
                    else HandleCommand(line);
                    break;
                case CommandLineReader.TooLong:
                    if (_state == ServerState.AwaitingAuthResponse) AuthLineTooLong();
                    else SendError(Replies.LineTooLong);
                    break;
                case CommandLineReader.BareCR: RefuseBrokenLine(Replies.BareLineEnd, "bare CR"); break;
                case CommandLineReader.BareLF: RefuseBrokenLine(Replies.BareLineEnd, "bare LF"); break;
                case CommandLineReader.Nul: RefuseBrokenLine(Replies.NulByte, "NUL byte"); break;
            }
            return used;
        }

        private void RefuseBrokenLine(Reply reply, string what)
        {
            _logLines.Add(what + " in command from " + ClientName());
            Send(reply);
        }

        private void HandleCommand(string line)
        {
            int argumentStart;
            int verb = SmtpVerb.Parse(line, out argumentStart);
            string argument = line.Substring(argumentStart);
            // An extension not offered now is refused as such, whatever the state.
            Reply notOffered = NotOfferedReply(verb);
            if (notOffered != null)
            {
                SendError(notOffered);
                return;
            }
            if ((AllowedVerbs[_state] & SmtpVerb.Bit(verb)) == 0)
            {
                SendError(Replies.BadSequence.WithText("Bad sequence of commands; expected " +
                                                       SmtpVerb.Describe(AllowedVerbs[_state])));
                return;
            }
            switch (verb)
            {
                case SmtpVerb.Ehlo: HandleHello(argument, true); break;
                case SmtpVerb.Helo: HandleHello(argument, false); break;
                case SmtpVerb.Mail: HandleMail(argument); break;
                case SmtpVerb.Rcpt: HandleRcpt(argument); break;
                case SmtpVerb.Data: HandleData(argument); break;
                case SmtpVerb.Rset: HandleRset(argument); break;
                case SmtpVerb.Noop: Send(Replies.Ok); break;
                case SmtpVerb.Quit: Send(Replies.Bye); break;
                case SmtpVerb.Vrfy: HandleVrfy(argument); break;
                case SmtpVerb.Help: Send(Replies.Help); break;
                case SmtpVerb.Expn: SendError(Replies.NotImplemented); break;
                case SmtpVerb.StartTls: HandleStartTls(argument); break;
                case SmtpVerb.Auth: HandleAuth(argument); break;
                case SmtpVerb.Http:
                    _logLines.Add("HTTP command from " + ClientName() + ": " + Ascii.ToLower(Ascii.Trim(line.Substring(0, argumentStart))));
                    Send(Replies.HttpCommand);
                    break;
                default: SendError(Replies.UnknownCommand); break;
            }
        }

        private void HandleHello(string argument, bool extended)
        {
            argument = Ascii.Trim(argument);
            if (argument.Length == 0 || argument.IndexOf(' ') >= 0)
            {
                SendError(Replies.HeloSyntax.WithText(extended ? "Syntax: EHLO hostname" : "Syntax: HELO hostname"));
                return;
            }
            // RFC 5321 §4.1.4: a new EHLO/HELO resets the transaction.
            ResetTransaction();
            _helo = argument;
            _extended = extended;
            _state = ServerState.AwaitingMail;
            if (!extended)
            {
                QueueLine("250 " + _settings.Hostname);
                return;
            }
            QueueLine("250-" + _settings.Hostname);
            QueueLine("250-PIPELINING");
            QueueLine("250-SIZE " + _settings.MaxMessageBytes.ToString());
            QueueLine("250-8BITMIME");
            if (StartTlsOffered) QueueLine("250-STARTTLS");
            if (AuthOffered) QueueLine("250-AUTH PLAIN LOGIN");
            QueueLine("250 ENHANCEDSTATUSCODES");
        }

        private void HandleMail(string argument)
        {
            if (!Ascii.StartsWithIgnoreCase(argument, "FROM:"))
            {
                SendError(Replies.MailSyntax);
                return;
            }
            int index = SkipSpaces(argument, 5);
            MailPath sender;
            int next;
            int result = PathParser.TryParse(argument, index, true, false, out sender, out next);
            if (result != PathParser.Ok)
            {
                SendError(result == PathParser.NonAscii ? Replies.NonAsciiAddress : Replies.BadSenderAddress);
                return;
            }
            long declaredSize = 0;
            Reply parameterError = ParseMailParameters(argument, next, out declaredSize);
            if (parameterError != null)
            {
                SendError(parameterError);
                return;
            }
            if (declaredSize > _settings.MaxMessageBytes)
            {
                SendError(Replies.MessageTooBig);
                return;
            }
            if (!_space.HasRoomFor(declaredSize))
            {
                // RFC 1870 §6.2 / RFC 5321 §6.1: refuse now rather than lose mail later.
                LogReject("MAIL", Replies.SpoolFull, sender, null);
                Send(Replies.SpoolFull);
                return;
            }
            _sender = sender;
            _declaredSize = declaredSize;
            _recipients.Clear();
            _state = ServerState.AwaitingRcpt;
            Send(Replies.SenderOk);
        }

        // "SIZE=n" (RFC 1870) and "BODY=7BIT|8BITMIME" (RFC 6152), only after EHLO.
        private Reply ParseMailParameters(string argument, int index, out long declaredSize)
        {
            declaredSize = 0;
            while (index < argument.Length)
            {
                if (argument[index] != ' ') return Replies.SyntaxError;
                index = SkipSpaces(argument, index);
                if (index >= argument.Length) break;
                int end = argument.IndexOf(' ', index);
                if (end < 0) end = argument.Length;
                string parameter = argument.Substring(index, end - index);
                index = end;
                if (!_extended) return Replies.UnknownParameter;
                if (Ascii.StartsWithIgnoreCase(parameter, "SIZE="))
                {
                    if (!Ascii.TryParseLong(parameter.Substring(5), out declaredSize)) return Replies.SyntaxError;
                }
                else if (Ascii.StartsWithIgnoreCase(parameter, "BODY="))
                {
                    string body = parameter.Substring(5);
                    if (!Ascii.EqualsIgnoreCase(body, "7BIT") && !Ascii.EqualsIgnoreCase(body, "8BITMIME"))
                    {
                        return Replies.SyntaxError;
                    }
                }
                else
                {
                    return Replies.UnknownParameter;
                }
            }
            return null;
        }

        private void HandleRcpt(string argument)
        {
            if (!Ascii.StartsWithIgnoreCase(argument, "TO:"))
            {
                SendError(Replies.RcptSyntax);
                return;
            }
            int index = SkipSpaces(argument, 3);
            MailPath recipient;
            int next;
            int result = PathParser.TryParse(argument, index, false, true, out recipient, out next);
            if (result != PathParser.Ok)
            {
                SendError(result == PathParser.NonAscii ? Replies.NonAsciiAddress : Replies.BadRecipientAddress);
                return;
            }
            if (SkipSpaces(argument, next) < argument.Length)
            {
                // No RCPT parameters are offered (no DSN extension yet).
                SendError(Replies.UnknownParameter);
                return;
            }
            // An authenticated client may relay like one in relay.allow; everybody else only to
            // the domains we serve, under the strict address rules.
            if (!_policy.MayRelay(recipient, _trustedClient || _authenticated))
            {
                Reply denied = Replies.RelayDenied.WithText(recipient + ": Relay access denied");
                LogReject("RCPT", denied, recipient);
                SendError(denied);
                return;
            }
            if (!_policy.IsKnownRecipient(recipient))
            {
                Reply unknown = Replies.UserUnknown.WithText(recipient + ": " + Replies.UserUnknown.Text);
                LogReject("RCPT", unknown, recipient);
                SendError(unknown);
                return;
            }
            if (_policy.IsMailboxFull(recipient))
            {
                Reply full = Replies.MailboxFull.WithText(recipient + ": " + Replies.MailboxFull.Text);
                LogReject("RCPT", full, recipient);
                SendError(full);
                return;
            }
            if (_recipients.Count >= _settings.MaxRecipients)
            {
                Send(Replies.TooManyRecipients);
                return;
            }
            _recipients.Add(recipient);
            Send(Replies.RecipientOk);
        }

        private void HandleData(string argument)
        {
            if (argument.Length > 0)
            {
                SendError(Replies.NoParameters);
                return;
            }
            if (_recipients.Count == 0)
            {
                // RFC 2920 §3.1: with pipelining, DATA after refused recipients must fail.
                SendError(Replies.NoValidRecipients);
                return;
            }
            _state = ServerState.AwaitingDataStart;
            _events.Add(SessionEvent.DataStarting);
        }

        private void HandleRset(string argument)
        {
            if (argument.Length > 0)
            {
                SendError(Replies.NoParameters);
                return;
            }
            ResetTransaction();
            if (_state == ServerState.AwaitingRcpt) _state = ServerState.AwaitingMail;
            Send(Replies.ResetOk);
        }

        private void HandleVrfy(string argument)
        {
            if (Ascii.Trim(argument).Length == 0)
            {
                SendError(Replies.SyntaxError);
                return;
            }
            // RFC 5321 §3.5.3: 252 when we will not say whether the user exists.
            Send(Replies.CannotVerify);
        }

        private static int SkipSpaces(string text, int index)
        {
            while (index < text.Length && text[index] == ' ') index++;
            return index;
        }
    }
}
