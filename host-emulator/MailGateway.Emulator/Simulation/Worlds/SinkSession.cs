// One connection's dialog at a scripted sink (SmtpSink): a small SMTP server that takes commands
// one line at a time in any pipelining (EHLO with PIPELINING, 8BITMIME, SIZE and
// ENHANCEDSTATUSCODES; HELO; MAIL, RCPT, DATA, RSET, NOOP, QUIT), answers each in order, reads the
// data to the final dot and unstuffs it (RFC 5321 §4.5.2), and plays the connection's fault, if
// it has one, at its stage. What it keeps, and every 5xx it gives about a recipient, goes into
// the ledger (see SmtpSink).
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace MailGateway.Emulator.Simulation.Worlds
{
    /// <summary>One connection's dialog at a sink (see SmtpSink).</summary>
    public sealed class SinkSession : IFarEnd
    {
        private readonly SmtpSink _sink;
        private readonly World _world;
        private readonly GatewayNode _from;
        private readonly SinkFault _fault;
        private readonly List<byte> _input = new List<byte>();
        private readonly MemoryStream _output = new MemoryStream();
        private bool _closed;
        private bool _stalled;
        private bool _ehloFaultUsed;

        // Transaction
        private string _sender;
        private bool _mailRefusedHard;
        private readonly List<string> _recipients = new List<string>();
        private bool _dataMode;
        private readonly MemoryStream _data = new MemoryStream();

        internal SinkSession(SmtpSink sink, World world, GatewayNode from, SinkFault fault)
        {
            _sink = sink;
            _world = world;
            _from = from;
            _fault = fault;
            if (fault != null)
            {
                world.Note("sink " + sink.Name + ": connection from " + from.Name + " meets fault " + fault.Action + " at " + fault.Stage);
                world.Ledger.Count("sink faults met");
            }
            if (Faulty(SinkStage.Greeting)) Apply(SinkStage.Greeting, "421 4.3.2 Service not available", "554 5.3.2 No SMTP service here");
            else Reply("220 " + sink.Name + " ESMTP sink");
        }

        public bool Closed => _closed;
        public bool WantsReset { get; private set; }

        public void Write(byte[] bytes)
        {
            if (_closed || _stalled) return;
            _input.AddRange(bytes);
            Process();
        }

        public byte[] Read()
        {
            byte[] bytes = _output.ToArray();
            _output.SetLength(0);
            return bytes;
        }

        public void Close() => _closed = true;

        public void Reset()
        {
            _closed = true;
            _output.SetLength(0);
        }

        public bool Pump(long nowMs) => false;

        private void Process()
        {
            while (!_closed && !_stalled && !WantsReset)
            {
                int lf = _input.IndexOf(10);
                if (lf < 0) return;
                byte[] line = _input.GetRange(0, lf + 1).ToArray();
                _input.RemoveRange(0, lf + 1);
                int length = line.Length >= 2 && line[line.Length - 2] == 13 ? line.Length - 2 : line.Length - 1;
                if (_dataMode) DataLine(line, length);
                else Command(Encoding.Latin1.GetString(line, 0, length));
            }
        }

        private void DataLine(byte[] line, int length)
        {
            if (length == 1 && line[0] == (byte)'.')
            {
                _dataMode = false;
                EndOfData();
                return;
            }
            int skip = length > 0 && line[0] == (byte)'.' ? 1 : 0; // RFC 5321 §4.5.2
            _data.Write(line, skip, line.Length - skip);
        }

        private void Command(string line)
        {
            string verb = (line.Length >= 4 ? line.Substring(0, 4) : line).ToUpperInvariant();
            switch (verb)
            {
                case "EHLO":
                case "HELO":
                    if (!_ehloFaultUsed && Faulty(SinkStage.Ehlo))
                    {
                        _ehloFaultUsed = true;
                        Apply(SinkStage.Ehlo, "451 4.3.0 Try again later", "502 5.5.1 EHLO not supported");
                        return;
                    }
                    Reply(verb == "HELO" ? "250 " + _sink.Name
                          : "250-" + _sink.Name + "\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE 20971520\r\n250 ENHANCEDSTATUSCODES");
                    return;
                case "MAIL":
                    NewTransaction();
                    _sender = Address(line);
                    if (Faulty(SinkStage.Mail))
                    {
                        _mailRefusedHard = _fault.Action == SinkAction.Hard;
                        Apply(SinkStage.Mail, "451 4.3.0 Sender deferred", "550 5.7.1 Sender refused");
                        _sender = null;
                        return;
                    }
                    Reply("250 2.1.0 Ok");
                    return;
                case "RCPT":
                    Rcpt(Address(line));
                    return;
                case "DATA":
                    if (_sender == null || _recipients.Count == 0)
                    {
                        Reply("554 5.5.1 Error: no valid recipients");
                        return;
                    }
                    if (Faulty(SinkStage.Data))
                    {
                        if (_fault.Action == SinkAction.Hard) RefuseAll("554 5.6.0 Message refused at DATA");
                        Apply(SinkStage.Data, "451 4.3.0 Not now", "554 5.6.0 Message refused at DATA");
                        return;
                    }
                    Reply("354 End data with <CR><LF>.<CR><LF>");
                    _dataMode = true;
                    _data.SetLength(0);
                    return;
                case "RSET":
                    NewTransaction();
                    Reply("250 2.0.0 Ok");
                    return;
                case "NOOP":
                    Reply("250 2.0.0 Ok");
                    return;
                case "QUIT":
                    Reply("221 2.0.0 Bye");
                    _closed = true;
                    return;
                default:
                    Reply("502 5.5.2 Error: command not recognized");
                    return;
            }
        }

        private void Rcpt(string recipient)
        {
            if (_sender == null)
            {
                if (_mailRefusedHard)
                {
                    // The sender was refused for good: so is every recipient of this transaction.
                    _world.Ledger.RefusePermanently(recipient, "550 5.7.1 Sender refused", "sink " + _sink.Name, _world.Now);
                }
                Reply("503 5.5.1 Error: need MAIL command");
                return;
            }
            int at = recipient.IndexOf('@');
            string local = at < 0 ? recipient : recipient.Substring(0, at);
            if (local.StartsWith("nobody", StringComparison.OrdinalIgnoreCase))
            {
                string reply = "550 5.1.1 <" + recipient + ">: Recipient address rejected: User unknown";
                _world.Ledger.RefusePermanently(recipient, reply, "sink " + _sink.Name, _world.Now);
                Reply(reply);
                return;
            }
            if (Faulty(SinkStage.Rcpt))
            {
                if (_fault.Action == SinkAction.Hard)
                {
                    _world.Ledger.RefusePermanently(recipient, "550 5.1.1 Recipient refused", "sink " + _sink.Name, _world.Now);
                }
                Apply(SinkStage.Rcpt, "451 4.3.0 Recipient deferred", "550 5.1.1 Recipient refused");
                return;
            }
            if (_sink.Greylisted(recipient))
            {
                _world.Ledger.Count("greylisted");
                Reply("450 4.7.1 <" + recipient + ">: Recipient address rejected: Greylisted, try again later");
                return;
            }
            _recipients.Add(recipient);
            Reply("250 2.1.5 Ok");
        }

        private void EndOfData()
        {
            byte[] data = _data.ToArray();
            if (Faulty(SinkStage.Dot) && _fault.Action != SinkAction.KeepAndStall && _fault.Action != SinkAction.KeepAndReset)
            {
                if (_fault.Action == SinkAction.Hard) RefuseAll("554 5.7.1 Message content rejected");
                Apply(SinkStage.Dot, "451 4.3.0 Error: queue file write error", "554 5.7.1 Message content rejected");
                NewTransaction();
                return;
            }
            int n = _sink.NextTransaction();
            var copy = new Copy
            {
                Place = "sink " + _sink.Name,
                CopyId = "T" + n,
                Via = _from.Name,
                Sender = _sender,
                Recipients = _recipients.ToArray(),
                Data = data,
                AtMs = _world.Now,
            };
            _world.Ledger.AddCopy(copy);
            _world.Note("sink " + _sink.Name + " keeps " + copy.MessageId + " for " + string.Join(", ", copy.Recipients) + " from " + _from.Name);
            if (Faulty(SinkStage.Dot))
            {
                // The message is kept, the reply is lost.
                if (_fault.Action == SinkAction.KeepAndReset) WantsReset = true;
                else _stalled = true;
                return;
            }
            Reply("250 2.0.0 Ok: queued as S" + n);
            NewTransaction();
        }

        private void NewTransaction()
        {
            _sender = null;
            _mailRefusedHard = false;
            _recipients.Clear();
            _dataMode = false;
        }

        private void RefuseAll(string reply)
        {
            foreach (string r in _recipients) _world.Ledger.RefusePermanently(r, reply, "sink " + _sink.Name, _world.Now);
        }

        private bool Faulty(SinkStage stage) => _fault != null && _fault.Stage == stage;

        // The fault's action at its stage: a soft or hard reply, silence, a reset, or 421 and close.
        private void Apply(SinkStage stage, string soft, string hard)
        {
            switch (_fault.Action)
            {
                case SinkAction.Soft: Reply(soft); break;
                case SinkAction.Hard: Reply(hard); break;
                case SinkAction.Close421:
                    Reply("421 4.7.0 " + _sink.Name + " Service not available, closing transmission channel");
                    _closed = true;
                    break;
                case SinkAction.Reset: WantsReset = true; break;
                default: _stalled = true; break;
            }
            if (stage == SinkStage.Greeting && (_fault.Action == SinkAction.Soft || _fault.Action == SinkAction.Hard)) _closed = true;
        }

        private void Reply(string text)
        {
            byte[] b = Encoding.ASCII.GetBytes(text + "\r\n");
            _output.Write(b, 0, b.Length);
        }

        // The address between < and > of MAIL FROM / RCPT TO.
        private static string Address(string line)
        {
            int open = line.IndexOf('<');
            int close = open < 0 ? -1 : line.IndexOf('>', open);
            return open < 0 || close < 0 ? "" : line.Substring(open + 1, close - open - 1);
        }
    }
}
