// One message: MAIL, RCPT, DATA, the body and the reply to the final dot (RFC 5321 §4.1.1.2-4,
// §3.3), with PIPELINING (RFC 2920) and SIZE (RFC 1870), and each recipient's outcome.
//
// Postfix's two cursors over the command sequence 0 = MAIL, 1..n = RCPT, n + 1 = DATA:
// _sendCursor is the next command to send, _replyCursor the command whose reply is next.
// Replies arrive in order (RFC 2920 §3.1), so the reply cursor says what each one answers.
//   MAIL 2xx: the transaction is open.  MAIL 4xx/5xx: every recipient takes that reply; the
//   RCPT and DATA replies that follow when pipelined (503s) tell nothing new and are skipped.
//   RCPT 2xx: accepted (decided at the final dot).  RCPT 4xx/5xx: that recipient is decided.
//   DATA 354: the body.  DATA 4xx/5xx: the accepted recipients take that reply.
//   Final dot 2xx: accepted recipients Delivered; 4xx/5xx: they take that reply.
namespace MailGateway.Core.Smtp
{
    public sealed partial class SmtpClientSession
    {
        // Transaction
        private MessageOutcome _outcome;       // the current message's, being decided; null between messages
        private MessageOutcome _lastOutcome;   // the last finished one
        private string _sender;
        private long _sizeBytes;
        private int[] _rcptIndex;              // recipients a RCPT TO goes out for, as indexes into _outcome
        private int _sendCursor;
        private int _replyCursor;
        private bool _mailAccepted;
        private int _accepted;                 // recipients accepted by RCPT in this transaction
        private bool _transactionOpen;         // MAIL accepted, final dot not answered: RSET before the next MAIL
        private bool _emptyData;               // 354 came though no recipient was accepted: "." went alone

        // Body
        private readonly DotEncoder _encoder = new DotEncoder();
        private bool _bodyRequested;
        private long _bodyBytes;

        /// <summary>The outcome of the last finished message (valid from its MessageDone on).</summary>
        public MessageOutcome Outcome { get { return _lastOutcome; } }

        /// <summary>True when BeginMessage would take a message now.</summary>
        public bool CanBeginMessage
        {
            get
            {
                return _outcome == null && _end == ClientEnd.Running && !_quitRequested &&
                       _state != ClientState.Closed && _state != ClientState.AwaitingQuit;
            }
        }

        /// <summary>Bare CRs, bare LFs and NULs the encoder repaired in the current or last body (DotEncoder).</summary>
        public int BodyRepairs { get { return _encoder.Repairs; } }

        /// <summary>Body bytes taken by ProvideBody for the current or last message (before encoding).</summary>
        public long BodyBytes { get { return _bodyBytes; } }

        /// <summary>
        /// Gives the session its next message: the sender ("" for the null sender) and recipients,
        /// without angle brackets, and the body size in bytes (RFC 1870: CRLF counted, no dot-
        /// stuffing). Allowed after construction and after each MessageDone; the message goes out
        /// once the greeting phase is over. Returns false, taking nothing, when the session has
        /// ended or is ending (give the message to another session); throws while a message is in
        /// progress. Addresses that are not valid paths are decided Permanent at once.
        /// </summary>
        public bool BeginMessage(string sender, string[] recipients, long sizeBytes, long nowMs)
        {
            if (_outcome != null) throw new System.InvalidOperationException("BeginMessage called while a message is in progress");
            if (sender == null || recipients == null || recipients.Length == 0)
            {
                throw new System.ArgumentException("a message needs a sender (\"\" for none) and at least one recipient");
            }
            if (!CanBeginMessage) return false;
            _outcome = new MessageOutcome(recipients);
            _sender = sender;
            _sizeBytes = sizeBytes;
            _accepted = 0;
            _bodyBytes = 0;
            _encoder.Reset();
            // Addresses become command lines: only what PathParser accepts (as our server does)
            // is sent, so nothing can smuggle a CR, LF or second command onto the wire.
            if (!IsValidPath(sender, true))
            {
                DecidePending(DeliveryStatus.Permanent, ClientReplies.BadSender, false, ClientState.AwaitingMail);
                FinishMessage();
                return true;
            }
            int[] valid = new int[recipients.Length];
            int count = 0;
            for (int i = 0; i < recipients.Length; i++)
            {
                if (IsValidPath(recipients[i], false)) valid[count++] = i;
                else Decide(_outcome.Recipients[i], DeliveryStatus.Permanent, ClientReplies.BadRecipient, false, ClientState.AwaitingRcpt);
            }
            if (count == 0)
            {
                FinishMessage();
                return true;
            }
            _rcptIndex = new int[count];
            System.Array.Copy(valid, _rcptIndex, count);
            if (_state == ClientState.AwaitingMessage) StartMessage(nowMs);
            return true;
        }

        private void StartMessage(long nowMs)
        {
            // RFC 1870 §4, §7: a message larger than the server's fixed maximum would only get 552,
            // which is permanent (§6.2): do not send it at all.
            if (_server.Size && _server.SizeLimit > 0 && _sizeBytes > _server.SizeLimit)
            {
                DecidePending(DeliveryStatus.Permanent, ClientReplies.TooBig(_sizeBytes, _server.SizeLimit), false,
                              ClientState.AwaitingMail);
                FinishMessage();
                return;
            }
            if (_transactionOpen)
            {
                Queue("RSET");
                _state = ClientState.AwaitingRset;
                _deadlineMs = nowMs + _settings.CommandTimeoutMs;
                return;
            }
            _sendCursor = 0;
            _replyCursor = 0;
            _mailAccepted = false;
            _accepted = 0;
            _emptyData = false;
            SendCommands();
            AwaitReply(nowMs);
        }

        private void OnRset(Reply reply, long nowMs)
        {
            if (reply.Code >= 200 && reply.Code < 300)
            {
                _transactionOpen = false;
                _state = ClientState.AwaitingMessage;
                StartMessage(nowMs);
            }
            else if (reply.Code >= 400)
            {
                Fail(reply, true, DeliveryStatus.Transient, true, nowMs);
            }
            else
            {
                Fail(Unexpected(reply), false, DeliveryStatus.Transient, false, nowMs);
            }
        }

        // ---- The two cursors -------------------------------------------------------------------

        private int DataCommand { get { return _rcptIndex.Length + 1; } }

        private string Command(int k)
        {
            if (k == 0)
            {
                string mail = "MAIL FROM:<" + _sender + ">";
                // RFC 1870 §6: declare the size when the server knows SIZE.
                if (_server.Size && _sizeBytes >= 0) mail = mail + " SIZE=" + _sizeBytes.ToString();
                return mail;
            }
            if (k < DataCommand) return "RCPT TO:<" + _outcome.Recipients[_rcptIndex[k - 1]].Address + ">";
            return "DATA";
        }

        // Pipelined commands of the current group not yet queued (Transmitted queues them as the output drains).
        private bool CommandsWaiting
        {
            get
            {
                return _outcome != null && _server.Pipelining && _rcptIndex != null && _sendCursor > 0 && _sendCursor <= DataCommand &&
                       (_state == ClientState.AwaitingMail || _state == ClientState.AwaitingRcpt || _state == ClientState.AwaitingData);
            }
        }

        private void SendCommands()
        {
            if (_server.Pipelining)
            {
                // RFC 2920 §3.1: MAIL, every RCPT and DATA in one group; DATA ends it. The group
                // is queued as the output drains, never all at once.
                while (_sendCursor <= DataCommand && _output.Count < CommandOutputLimit) Queue(Command(_sendCursor++));
            }
            else if (_sendCursor == _replyCursor && _sendCursor <= DataCommand)
            {
                // Without PIPELINING one command at a time (RFC 5321 §4.3.1 lock-step).
                Queue(Command(_sendCursor++));
            }
        }

        // The state and the timeout follow the reply cursor (RFC 5321 §4.5.3.2.2-4).
        private void AwaitReply(long nowMs)
        {
            if (_replyCursor == 0)
            {
                _state = ClientState.AwaitingMail;
                _deadlineMs = nowMs + _settings.MailTimeoutMs;
            }
            else if (_replyCursor < DataCommand)
            {
                _state = ClientState.AwaitingRcpt;
                _deadlineMs = nowMs + _settings.RcptTimeoutMs;
            }
            else
            {
                _state = ClientState.AwaitingData;
                _deadlineMs = nowMs + _settings.DataInitTimeoutMs;
            }
        }

        private void OnTransactionReply(Reply reply, long nowMs)
        {
            int k = _replyCursor++;
            if (k == DataCommand)
            {
                OnDataReply(reply, nowMs);
                return;
            }
            if (reply.Code < 200 || (reply.Code >= 300 && reply.Code < 400))
            {
                Fail(Unexpected(reply), false, DeliveryStatus.Transient, false, nowMs);
                return;
            }
            if (k == 0)
            {
                if (reply.Code < 300)
                {
                    _mailAccepted = true;
                    _transactionOpen = true;
                }
                else
                {
                    DecidePending(DeliveryStatus.OfFailure(reply), reply, true, ClientState.AwaitingMail);
                }
            }
            else if (_mailAccepted)
            {
                RecipientOutcome r = _outcome.Recipients[_rcptIndex[k - 1]];
                if (reply.Code < 300)
                {
                    r.Accepted = true;
                    r.Reply = reply;
                    r.FromServer = true;
                    r.Stage = ClientState.AwaitingRcpt;
                    _accepted++;
                }
                else
                {
                    Decide(r, DeliveryStatus.OfFailure(reply), reply, true, ClientState.AwaitingRcpt);
                }
            }
            if (!_server.Pipelining && (!_mailAccepted || (_replyCursor == DataCommand && _accepted == 0)))
            {
                // Nothing more can succeed: no RCPT after a refused MAIL, no DATA without a recipient.
                EndTransaction();
                return;
            }
            SendCommands();
            AwaitReply(nowMs);
        }

        private void OnDataReply(Reply reply, long nowMs)
        {
            if (reply.Code == 354)
            {
                if (_accepted == 0)
                {
                    // The server should have refused DATA (RFC 2920 §3.1); end the empty data at once.
                    _emptyData = true;
                    Queue(".");
                    _state = ClientState.AwaitingEndOfData;
                    _deadlineMs = nowMs + _settings.DataEndTimeoutMs;
                    return;
                }
                _state = ClientState.SendingBody;
                _bodyRequested = false;
                _deadlineMs = nowMs + _settings.DataBlockTimeoutMs;
                return;
            }
            if (reply.Code >= 400)
            {
                DecideAccepted(DeliveryStatus.OfFailure(reply), reply, ClientState.AwaitingData);
                EndTransaction();
                return;
            }
            Fail(Unexpected(reply), false, DeliveryStatus.Transient, false, nowMs);
        }

        // ---- Body ------------------------------------------------------------------------------
        // "Offer any amount, learn how much was taken" (quinn's stream write, h11's send): no call
        // order can be wrong, so a caller that hands over a spool record of any size, in any
        // split, cannot bring the session (or the loop) down. Outside the body every call is a
        // harmless no-op that returns 0 / false.

        /// <summary>True while the session is sending a body and has room for more of it.</summary>
        public bool WantsBody
        {
            get { return _state == ClientState.SendingBody && _output.Count < _bodyLimit; }
        }

        /// <summary>Body bytes WriteBody takes now if none needs a dot or a line end added: what is worth reading for it.</summary>
        public int BodyRoom
        {
            get { return WantsBody ? _bodyLimit + 1 - _output.Count : 0; }
        }

        /// <summary>
        /// Offers body bytes, any amount; the session takes as many as fit in its output now,
        /// dot-stuffs them and repairs line ends (DotEncoder), and returns how many it took. 0 when it
        /// wants none now (its output is full, or it is not sending a body: not yet at 354, failed,
        /// closed). Offer the rest again after the next NeedBody (or while WantsBody).
        /// </summary>
        public int WriteBody(byte[] buffer, int offset, int count, long nowMs)
        {
            if (count < 0 || offset < 0 || buffer == null || offset + count > buffer.Length) throw new System.ArgumentOutOfRangeException("count");
            if (!WantsBody) return 0;
            _bodyRequested = false;
            int done = 0;
            while (done < count && _output.Count < _bodyLimit)
            {
                // One input byte makes at most two, and Encode stops with fewer than two free, so
                // the output ends at BodyOutputLimit + 1 at most.
                int room = _bodyLimit + 1 - _output.Count;
                int at = _output.Room(room);
                int produced;
                done += _encoder.Encode(buffer, offset + done, count - done, _output.Array, at, room, out produced);
                _output.Commit(produced);
            }
            _bodyBytes += done;
            // RFC 5321 §4.5.3.2.5: the data block timeout runs from each block handed over.
            if (done > 0) _deadlineMs = nowMs + _settings.DataBlockTimeoutMs;
            return done;
        }

        /// <summary>
        /// The whole body has been written: ends the data (CR LF when the last line is open, then
        /// ".", RFC 5321 §4.1.1.4) and waits for the server's verdict. False, doing nothing, when
        /// the session is not sending a body (failed or closed meanwhile).
        /// </summary>
        public bool EndBody(long nowMs)
        {
            if (_state != ClientState.SendingBody) return false;
            _bodyRequested = false;
            int end = _output.Room(DotEncoder.FinishBytes);
            _output.Commit(_encoder.Finish(_output.Array, end));
            _state = ClientState.AwaitingEndOfData;
            // RFC 5321 §4.5.3.2.6, 10 minutes. Deviation: measured from when the final dot is
            // queued, not from when it leaves (sending has no clock); the loop sends it in the
            // same pass.
            _deadlineMs = nowMs + _settings.DataEndTimeoutMs;
            return true;
        }

        private void OnEndOfData(Reply reply, long nowMs)
        {
            if (reply.Code < 200 || (reply.Code >= 300 && reply.Code < 400))
            {
                Fail(Unexpected(reply), false, DeliveryStatus.Transient, false, nowMs);
                return;
            }
            if (!_emptyData)
            {
                int status = reply.Code < 300 ? DeliveryStatus.Delivered : DeliveryStatus.OfFailure(reply);
                DecideAccepted(status, reply, ClientState.AwaitingEndOfData);
            }
            // RFC 5321 §4.1.1.4: the reply to the final dot ends the transaction, success or not.
            _transactionOpen = false;
            EndTransaction();
        }

        // ---- Outcomes ---------------------------------------------------------------------------

        private void EndTransaction()
        {
            FinishMessage();
            _state = ClientState.AwaitingMessage;
            _deadlineMs = NoDeadline;
        }

        private void FinishMessage()
        {
            for (int i = 0; i < _outcome.Recipients.Length; i++)
            {
                RecipientOutcome r = _outcome.Recipients[i];
                if (r.Status != DeliveryStatus.Pending) continue;
                // Not reachable by the paths above; kept so a finished message never has a Pending recipient.
                Decide(r, DeliveryStatus.Transient, ClientReplies.ProtocolError("no reply for this recipient", _state), false, _state);
            }
            _lastOutcome = _outcome;
            _outcome = null;
            _messagesDone++;
            _events.Add(ClientEvent.MessageDone);
        }

        private static void Decide(RecipientOutcome r, int status, Reply reply, bool fromServer, int stage)
        {
            r.Status = status;
            r.Reply = reply;
            r.FromServer = fromServer;
            r.Stage = stage;
        }

        private void DecidePending(int status, Reply reply, bool fromServer, int stage)
        {
            for (int i = 0; i < _outcome.Recipients.Length; i++)
            {
                RecipientOutcome r = _outcome.Recipients[i];
                if (r.Status == DeliveryStatus.Pending) Decide(r, status, reply, fromServer, stage);
            }
        }

        private void DecideAccepted(int status, Reply reply, int stage)
        {
            for (int i = 0; i < _outcome.Recipients.Length; i++)
            {
                RecipientOutcome r = _outcome.Recipients[i];
                if (r.Accepted && r.Status == DeliveryStatus.Pending) Decide(r, status, reply, true, stage);
            }
        }

        private static bool IsValidPath(string address, bool sender)
        {
            string text = "<" + address + ">";
            MailPath path;
            int next;
            return PathParser.TryParse(text, 0, sender, !sender, out path, out next) == PathParser.Ok && next == text.Length;
        }
    }
}
