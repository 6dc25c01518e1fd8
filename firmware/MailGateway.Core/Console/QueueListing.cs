// "queue" (like Postfix's mailq) and "queue show ID": the committed messages on the card in arrival
// order, each with its size, age, sender and every recipient's state, next attempt and last reply.
// The walk reads the card a page of names at a time (IStorage.ListAfter with a name as cursor) and
// each message's envelope and recipient log (Spool.Peek: the one in memory when the queue runner
// has it, else read without being kept), and writes while the session has room, so listing a queue
// of thousands takes no more memory than listing one. With --json each message is one line holding
// one JSON object (JSON Lines), the same fields by name.
using MailGateway.Core.Spool;
using MailGateway.Core.Text;

namespace MailGateway.Core.Console
{
    public sealed class QueueListing : IConsoleProducer
    {
        public const int PageNames = 8;

        private readonly Spool.Spool _spool;
        private readonly long _nowQueueMs;
        private readonly bool _json;
        private readonly string _onlyId;
        private string _cursor;
        private string[] _page;
        private int _pageAt;
        private bool _started;
        private bool _walked;
        private QueuedMessage _message;
        private int _recipient;
        private int _messages;
        private long _bytes;

        /// <summary>onlyId: "queue show ID" (every detail of one message); null lists them all.</summary>
        public QueueListing(Spool.Spool spool, long nowQueueMs, bool json, string onlyId)
        {
            _spool = spool;
            _nowQueueMs = nowQueueMs;
            _json = json;
            _onlyId = onlyId;
        }

        public bool Produce(ConsoleSession s)
        {
            if (!_started)
            {
                _started = true;
                if (_onlyId != null)
                {
                    _message = _spool.Peek(_onlyId);
                    if (_message == null)
                    {
                        s.WriteLine("error: no message " + _onlyId + " in the queue");
                        return true;
                    }
                    _recipient = -1;
                    _walked = true;
                }
                else if (!_json) s.WriteLine("Queue ID  Size       Age     Sender / recipients");
            }
            while (s.HasRoom)
            {
                if (_message != null)
                {
                    WriteSome(s);
                    continue;
                }
                string id = _walked ? null : NextId(s);
                if (id == null)
                {
                    if (_onlyId == null && !_json)
                    {
                        s.WriteLine(_messages == 0 ? "The queue is empty."
                                                   : "-- " + _messages.ToString() + " message(s), " + Sizes.Bytes(_bytes));
                    }
                    return true;
                }
                _message = _spool.Peek(id);
                _recipient = -1;
            }
            return false;
        }

        public void Abandon()
        {
        }

        // The next queue ID of the walk, or null at its end (or when the card cannot be read).
        private string NextId(ConsoleSession s)
        {
            while (true)
            {
                if (_page == null || _pageAt >= _page.Length)
                {
                    if (_page != null && _page.Length < PageNames) return Walked();
                    try
                    {
                        _page = _spool.Storage.ListAfter(_cursor, PageNames);
                    }
                    catch (System.IO.IOException e)
                    {
                        s.WriteLine("error: cannot read the card: " + e.Message);
                        return Walked();
                    }
                    _pageAt = 0;
                    if (_page.Length == 0) return Walked();
                }
                string name = _page[_pageAt++];
                _cursor = name;
                string id = SpoolNames.QueueIdOf(name, SpoolNames.Message);
                if (id != null) return id;
            }
        }

        private string Walked()
        {
            _walked = true;
            return null;
        }

        // The message's first line, then one recipient per call.
        private void WriteSome(ConsoleSession s)
        {
            QueuedMessage m = _message;
            if (_recipient < 0)
            {
                _messages++;
                _bytes += m.BodyBytes;
                if (_json) s.Write(JsonHead(m));
                else if (_onlyId != null) WriteDetailHead(s, m);
                else
                {
                    s.WriteLine(Pad(m.QueueId + (m.Held ? "!" : ""), 10) + Pad(Sizes.Bytes(m.BodyBytes), 11) +
                                Pad(Sizes.Duration(m.AgeMs(_nowQueueMs)), 8) + Sender(m) + (m.Held ? "  (on hold)" : ""));
                }
                _recipient = 0;
                return;
            }
            if (_recipient < m.Recipients.Length)
            {
                RecipientStatus r = m.Recipients[_recipient];
                if (_json) s.Write((_recipient > 0 ? "," : "") + JsonRecipient(r));
                else s.WriteLine("          " + r.Address + ": " + State(m, r));
                _recipient++;
                return;
            }
            if (_json) s.WriteLine("]}");
            else if (_onlyId == null) s.WriteLine("");
            _message = null;
        }

        private void WriteDetailHead(ConsoleSession s, QueuedMessage m)
        {
            Envelope e = m.Envelope;
            s.WriteLine("queue ID:  " + m.QueueId + (m.Held ? " (on hold: queue release " + m.QueueId + " lets it go)" : ""));
            s.WriteLine("sender:    " + Sender(m));
            s.WriteLine("size:      " + Sizes.Bytes(m.BodyBytes) + " (" + m.BodyBytes.ToString() + " bytes)");
            s.WriteLine("age:       " + Sizes.Duration(m.AgeMs(_nowQueueMs)) +
                        (e.ArrivalUnixMs > 0 ? ", arrived " + RfcDate.Format(e.ArrivalUnixMs) : ""));
            s.WriteLine("from:      " + (e.Helo != null && e.Helo.Length > 0 ? e.Helo + " " : "") + "[" + e.ClientAddress + "] by " + e.Protocol);
            s.WriteLine("recipients (" + m.Recipients.Length.ToString() + "):");
        }

        private string State(QueuedMessage m, RecipientStatus r)
        {
            string text = RecipientStatus.Name(r.State);
            if (r.Attempts > 0) text += ", " + r.Attempts.ToString() + " attempt(s)";
            if (r.State == RecipientStatus.Pending && !m.Held)
            {
                long wait = r.NextAttemptQueueMs - _nowQueueMs;
                text += wait > 0 ? ", next in " + Sizes.Duration(wait) : ", due now";
            }
            if (r.LastReply.Length > 0) text += "; last: " + r.LastReply + (r.RemoteHost.Length > 0 ? " (" + r.RemoteHost + ")" : "");
            return text;
        }

        private string JsonHead(QueuedMessage m)
        {
            return "{" + JsonText.Field("id", m.QueueId) + "," + JsonText.Field("size", m.BodyBytes) + "," +
                   JsonText.Field("age_seconds", m.AgeMs(_nowQueueMs) / 1000) + "," +
                   JsonText.Field("arrival_unix", m.Envelope.ArrivalUnixMs > 0 ? m.Envelope.ArrivalUnixMs / 1000 : 0) + "," +
                   JsonText.Field("sender", m.Envelope.Sender) + "," + JsonText.Field("client", m.Envelope.ClientAddress) + "," +
                   JsonText.Field("held", m.Held) + ",\"recipients\":[";
        }

        private string JsonRecipient(RecipientStatus r)
        {
            long wait = r.NextAttemptQueueMs - _nowQueueMs;
            return "{" + JsonText.Field("address", r.Address) + "," + JsonText.Field("state", RecipientStatus.Name(r.State)) + "," +
                   JsonText.Field("attempts", r.Attempts) + "," +
                   JsonText.Field("next_attempt_seconds", r.State == RecipientStatus.Pending ? (wait > 0 ? wait / 1000 : 0) : -1) + "," +
                   JsonText.Field("last_reply", r.LastReply) + "," + JsonText.Field("remote_host", r.RemoteHost) + "}";
        }

        private static string Sender(QueuedMessage m)
        {
            return m.Envelope.Sender.Length == 0 ? "<> (a bounce)" : m.Envelope.Sender;
        }

        private static string Pad(string text, int width)
        {
            if (text.Length >= width) return text + " ";
            return text + new string(' ', width - text.Length);
        }
    }
}
