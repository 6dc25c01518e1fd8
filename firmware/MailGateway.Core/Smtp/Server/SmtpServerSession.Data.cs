// The message itself: the trace field we prepend (RFC 5321 §4.4), the streaming decode of DATA
// (DataDecoder, HeaderFilter) and what happens at its end.
using MailGateway.Core.Text;

namespace MailGateway.Core.Smtp
{
    public sealed partial class SmtpServerSession
    {
        // RFC 5321 §4.4: "Received: from <helo> (<tcp-info>) by <us> with <protocol> id <id> for <rcpt>; <date>"
        // <protocol> is ESMTP with S for TLS and A for AUTH (RFC 3848). As Postfix does by default,
        // the authenticated user is not named in the field (privacy); the log has it.
        private void AppendReceivedField(string date)
        {
            string address = _clientAddress.IndexOf(':') >= 0 ? "IPv6:" + _clientAddress : _clientAddress;
            _body.Append("Received: from " + _helo + " (unknown [" + address + "])\r\n");
            _body.Append("\tby " + _settings.Hostname + " (MailGateway) with " + ReceivedProtocol + " id " + _queueId);
            if (_recipients.Count == 1) _body.Append("\r\n\tfor " + Recipient(0));
            _body.Append("; " + date + "\r\n");
        }

        // Decodes message bytes; returns bytes consumed.
        private int ReceiveData(byte[] buffer, int offset, int count)
        {
            int produced;
            // Decode no more than Body has room for, so Body stays about one chunk (plus at most one
            // held header line and the added fields) and its buffer never grows; with less than two
            // bytes of room nothing is decoded and Receive waits for the loop to empty Body.
            int room = _chunk - _body.Count;
            if (room > _decoded.Length) room = _decoded.Length;
            int used = _decoder.Decode(buffer, offset, count, _decoded, 0, room, out produced);
            _messageBytes += produced;
            if (_state == ServerState.ReadingData)
            {
                if (_messageBytes > _settings.MaxMessageBytes)
                {
                    // RFC 1870 §6.3 / RFC 5321 §4.5.3.1.10: read the rest, store nothing, then 552.
                    _logLines.Add(_queueId + ": message too big from " + ClientName());
                    SkipRestOfMessage(Replies.MessageTooBig);
                }
                else
                {
                    _headers.Write(_decoded, 0, produced, _body);
                }
            }
            switch (_decoder.Status)
            {
                case DataDecoder.Ended:
                    EndOfData();
                    break;
                case DataDecoder.BareLineEnd:
                case DataDecoder.NulByte:
                    Reply reply = _decoder.Status == DataDecoder.NulByte ? Replies.NulByte : Replies.BareLineEnd;
                    _logLines.Add(_queueId + ": reject: " + (reply == Replies.NulByte ? "NUL byte" : "bare CR or LF") +
                                  " in message from " + ClientName());
                    if (_state == ServerState.ReadingData) AbortMessage();
                    ResetTransaction();
                    Send(reply);
                    break;
            }
            return used;
        }

        private void SkipRestOfMessage(Reply verdict)
        {
            AbortMessage();
            _skipVerdict = verdict;
            _state = ServerState.SkippingData;
        }

        private void AbortMessage()
        {
            _body.Clear();
            _events.Add(SessionEvent.DataAborted);
        }

        private void EndOfData()
        {
            if (_state == ServerState.SkippingData)
            {
                Reply verdict = _skipVerdict;
                _state = ServerState.AwaitingMail;
                LogReject("END-OF-MESSAGE", verdict, null);
                SendError(verdict);
                ResetTransaction();
                return;
            }
            _headers.Finish(_body);
            if (_headers.ReceivedCount > _settings.MaxReceived)
            {
                AbortMessage();
                _state = ServerState.AwaitingMail;
                LogReject("END-OF-MESSAGE", Replies.MailLoop, null);
                SendError(Replies.MailLoop);
                ResetTransaction();
                return;
            }
            _state = ServerState.AwaitingSpool;
            _events.Add(SessionEvent.DataEnded);
        }

        /// <summary>
        /// The spool could not store more of the message (spool.max_bytes reached: 452 4.3.1; card
        /// error: 451 4.3.0): store nothing more, read the message to its end, then send verdict —
        /// at once when the end was already read (the last bytes failed).
        /// </summary>
        public void FailBody(Reply verdict)
        {
            if (_state == ServerState.AwaitingSpool)
            {
                _body.Clear();
                CompleteSpool(verdict);
                return;
            }
            if (_state != ServerState.ReadingData) return;
            _logLines.Add(_queueId + ": " + verdict.Text + " while receiving from " + ClientName());
            SkipRestOfMessage(verdict);
        }
    }
}
