// Multi-line replies, streamed (RFC 1939 §3): LIST and UIDL listings and RETR/TOP message text.
// PeekTransmit calls Stream() whenever the output is empty; Stream appends listing lines or
// message bytes until TransmitLimit bytes wait, so nothing bigger than one read chunk (doubled by
// stuffing at worst) is ever held, whatever the size of the maildrop or the message.
// Byte-stuffing (RFC 1939 §3): a line that starts with "." gets another "." in front; the reply
// ends with CRLF "." CRLF. Messages are CRLF-clean (the spool guarantees it); a last line without
// CRLF would still be closed with one before the dot. TOP n m (RFC 1939 §7) sends the header, the
// blank line and at most m lines of the body. A message that cannot be read to its size is cut off
// without the final dot and the connection closed: the client must not take (and then DELE) a
// truncated message as whole.
using MailGateway.Core.Text;

namespace MailGateway.Core.Local
{
    public sealed partial class Pop3Session
    {
        // What is being sent in state Sending
        private const int SendingList = 0;
        private const int SendingUidl = 1;
        private const int SendingMessage = 2;

        // Transfer
        private byte[] _chunk;             // Pop3Settings.Scratch, used within Stream only
        private int _sendKind;
        private int _sendIndex;            // listing: the next message to list; message: the message
        private long _sendPosition;        // bytes of the message read so far
        private long _sendSize;
        private long _bodyLinesLeft;       // TOP: body lines still to send; -1: all (RETR)
        private bool _atLineStart;
        private bool _lineEmpty;           // the current line has had nothing but CR so far
        private bool _inBody;              // the blank line after the header was sent

        private void StartListing(int kind)
        {
            _sendKind = kind;
            _sendIndex = 0;
            _state = Pop3State.Sending;
        }

        private void StartMessage(int index, long bodyLines)
        {
            _sendKind = SendingMessage;
            _sendIndex = index;
            _sendPosition = 0;
            _sendSize = _maildrop.Size(index);
            _bodyLinesLeft = bodyLines;
            _atLineStart = true;
            _lineEmpty = true;
            _inBody = false;
            _state = Pop3State.Sending;
        }

        private void Stream()
        {
            while (_state == Pop3State.Sending && _output.Count < TransmitLimit)
            {
                if (_sendKind == SendingMessage) StreamMessage();
                else StreamListing();
            }
        }

        private void StreamListing()
        {
            while (_sendIndex < _count && _output.Count < TransmitLimit)
            {
                int i = _sendIndex++;
                if (_deleted[i]) continue;
                string value = _sendKind == SendingList ? _maildrop.Size(i).ToString() : _maildrop.Uid(i);
                QueueLine((i + 1).ToString() + " " + value);
            }
            if (_sendIndex >= _count) EndMultiline();
        }

        private void StreamMessage()
        {
            if (_sendPosition >= _sendSize)
            {
                EndMessage();
                return;
            }
            long left = _sendSize - _sendPosition;
            int n;
            try
            {
                if (_chunk == null) _chunk = _settings.Scratch != null && _settings.Scratch.Length >= ReadChunk ? _settings.Scratch : new byte[ReadChunk];
                n = _maildrop.Read(_sendIndex, _sendPosition, _chunk, 0, left < ReadChunk ? (int)left : ReadChunk);
            }
            catch (System.Exception e)
            {
                AbortMessage(e.Message);
                return;
            }
            if (n <= 0 || n > ReadChunk)
            {
                AbortMessage("read returned " + n.ToString() + " at octet " + _sendPosition.ToString());
                return;
            }
            int runStart = 0;
            for (int i = 0; i < n; i++)
            {
                byte b = _chunk[i];
                if (_atLineStart)
                {
                    if (_inBody && _bodyLinesLeft == 0)
                    {
                        // TOP: the lines asked for are out; the rest of the message is not read.
                        _output.Append(_chunk, runStart, i - runStart);
                        EndMessage();
                        return;
                    }
                    if (b == (byte)'.')
                    {
                        _output.Append(_chunk, runStart, i - runStart);
                        _output.Append((byte)'.');
                        runStart = i;
                    }
                    _atLineStart = false;
                    _lineEmpty = true;
                }
                if (b == Ascii.LF)
                {
                    if (!_inBody)
                    {
                        if (_lineEmpty) _inBody = true;    // RFC 5322 §2.1: the empty line ends the header
                    }
                    else if (_bodyLinesLeft > 0)
                    {
                        _bodyLinesLeft--;
                    }
                    _atLineStart = true;
                }
                else if (b != Ascii.CR)
                {
                    _lineEmpty = false;
                }
            }
            _output.Append(_chunk, runStart, n - runStart);
            _sendPosition += n;
        }

        private void EndMessage()
        {
            if (!_atLineStart) _output.Append("\r\n");
            EndMultiline();
        }

        private void EndMultiline()
        {
            QueueLine(".");
            _state = Pop3State.AwaitingCommand;
        }

        private void AbortMessage(string why)
        {
            _logLines.Add("message " + (_sendIndex + 1).ToString() + " unreadable " + Who() + ": " + why +
                          "; connection closed, nothing deleted");
            // Bytes already queued go out; no final dot follows them.
            End(_output.Count > 0 ? Pop3State.Closing : Pop3State.Closed);
        }
    }
}
