// One TCP connection across the world's internet: a gateway's outbound connection (its
// SimulatedPeer, the "near" end) joined to whatever answers at the address — another gateway's
// listener (GatewayFarEnd, a SimulatedClient on that gateway's network) or a scripted SMTP sink
// (SinkSession). Pump moves bytes both ways, in order, and carries closes across: a gateway that
// closes sends FIN to the far end, a far end that closes does the same to the gateway, and Reset
// drops both at once (a connection reset, or the far machine losing power).
//
// The link also watches the SMTP dialog go by, without taking part, for the two facts the
// duplicate rule needs: after a 354 the client's bytes are message data until the final dot
// (CRLF.CRLF — the only place our client ever sends that sequence), and the data's first
// Message-ID names the message. A final dot followed by a reply is settled (a 2xx is noted as
// handed over, AckedKeys); a final dot whose connection ends before any reply came is a lost reply
// (Ledger.LostReply): that message may now arrive twice — as may one a receiving gateway answered
// with 4xx because its card failed in that moment.
//
// Faults scripted on the link: reset after the client has sent N bytes; stall (stop carrying
// anything) after N bytes — the gateway's own timeouts must end it.
using System;
using System.Collections.Generic;
using System.Text;

namespace MailGateway.Emulator.Simulation.Worlds
{
    /// <summary>What answers at the far end of a link.</summary>
    public interface IFarEnd
    {
        /// <summary>Bytes from the gateway.</summary>
        void Write(byte[] bytes);
        /// <summary>Bytes for the gateway since the last call (empty when none).</summary>
        byte[] Read();
        /// <summary>The far end closed its side (after its last bytes).</summary>
        bool Closed { get; }
        /// <summary>The gateway closed its side: FIN.</summary>
        void Close();
        /// <summary>The connection is reset (or its machine died): nothing more either way.</summary>
        void Reset();
        /// <summary>Lets the far end act on what it got; true if anything changed.</summary>
        bool Pump(long nowMs);
        /// <summary>The far end wants the connection reset now (a scripted fault).</summary>
        bool WantsReset { get; }
    }

    /// <summary>A gateway's listener at the far end: the link plays the client on that gateway's network.</summary>
    public sealed class GatewayFarEnd : IFarEnd
    {
        private readonly MailGateway.Emulator.Simulation.SimulatedClient _client;

        public GatewayFarEnd(GatewayNode node, MailGateway.Emulator.Simulation.SimulatedClient client)
        {
            Node = node;
            _client = client;
        }

        public GatewayNode Node { get; }
        public void Write(byte[] bytes) => _client.Write(bytes);
        public byte[] Read() => _client.ReadNewBytes();
        public bool Closed => _client.ServerClosed;
        public void Close() => _client.Close();
        public void Reset() => _client.Reset();
        public bool Pump(long nowMs) => false;
        public bool WantsReset => false;
    }

    public sealed class Link
    {
        private readonly World _world;
        private readonly MailGateway.Emulator.Simulation.SimulatedPeer _near;
        private readonly IFarEnd _far;

        // Closing
        private bool _nearClosed;
        private bool _farClosed;

        // Watching the dialog
        private readonly StringBuilder _serverLine = new StringBuilder();
        private bool _dataMode;
        private readonly byte[] _tail = new byte[4];
        private readonly System.IO.MemoryStream _dataHead = new System.IO.MemoryStream();
        private bool _awaitingDotReply;
        private string _dotKey;
        private long _sentUp;

        public Link(World world, GatewayNode from, string to, MailGateway.Emulator.Simulation.SimulatedPeer near, IFarEnd far)
        {
            _world = world;
            From = from;
            To = to;
            _near = near;
            _far = far;
        }

        public GatewayNode From { get; }
        public string To { get; }
        public IFarEnd Far => _far;
        public bool Done { get; private set; }
        public long ClosedAtMs { get; private set; } = -1;
        /// <summary>Messages (Message-ID) whose final dot got a 2xx on this link.</summary>
        public readonly List<string> AckedKeys = new List<string>();

        // Faults
        public long ResetAfterBytes = -1;
        public long StallAfterBytes = -1;
        private bool _stalled;

        public bool Pump(long nowMs)
        {
            if (Done) return false;
            bool moved = false;
            // Gateway → far end
            byte[] up = _near.ReadNewBytes();
            if (up.Length > 0)
            {
                moved = true;
                if (!_stalled)
                {
                    int pass = up.Length;
                    if (StallAfterBytes >= 0 && _sentUp + pass > StallAfterBytes) pass = (int)Math.Max(0, StallAfterBytes - _sentUp);
                    if (ResetAfterBytes >= 0 && _sentUp + pass > ResetAfterBytes) pass = (int)Math.Max(0, ResetAfterBytes - _sentUp);
                    if (pass < up.Length) Array.Resize(ref up, pass);
                    if (up.Length > 0)
                    {
                        WatchClient(up);
                        _far.Write(up);
                        _sentUp += up.Length;
                    }
                    if (ResetAfterBytes >= 0 && _sentUp >= ResetAfterBytes)
                    {
                        _world.Note("link " + From.Name + "→" + To + " reset (fault) after " + _sentUp + " bytes");
                        _world.Ledger.Count("connections reset");
                        Reset(nowMs);
                        return true;
                    }
                    if (StallAfterBytes >= 0 && _sentUp >= StallAfterBytes)
                    {
                        _stalled = true;
                        _world.Note("link " + From.Name + "→" + To + " stalls (fault) after " + _sentUp + " bytes");
                        _world.Ledger.Count("connections stalled");
                    }
                }
            }
            moved |= _far.Pump(nowMs);
            // Far end → gateway
            byte[] down = _far.Read();
            if (down.Length > 0 && !_stalled)
            {
                moved = true;
                WatchServer(down);
                _near.Write(down);
            }
            if (_far.WantsReset)
            {
                _world.Note("link " + From.Name + "→" + To + " reset by the far end (fault)");
                _world.Ledger.Count("connections reset");
                Reset(nowMs);
                return true;
            }
            // Closes
            if (!_nearClosed && _near.GatewayClosed)
            {
                _nearClosed = true;
                moved = true;
                if (!_farClosed) _far.Close();
            }
            if (!_farClosed && _far.Closed)
            {
                _farClosed = true;
                moved = true;
                if (!_nearClosed && !_stalled) _near.Close();
            }
            if (_nearClosed && (_farClosed || _stalled)) Finish(nowMs);
            return moved;
        }

        /// <summary>Drops the connection both ways at once (a reset, or one of the machines died).</summary>
        public void Reset(long nowMs)
        {
            if (Done) return;
            if (!_nearClosed) _near.Reset();
            if (!_farClosed) _far.Reset();
            _nearClosed = _farClosed = true;
            Finish(nowMs);
        }

        private void Finish(long nowMs)
        {
            Done = true;
            ClosedAtMs = nowMs;
            if (_awaitingDotReply)
            {
                _world.Ledger.LostReply(_dotKey, "the connection " + From.Name + "→" + To + " ended after the final dot without a reply");
                _world.Note("lost reply after the final dot of " + _dotKey + " on " + From.Name + "→" + To);
                _awaitingDotReply = false;
            }
        }

        private void WatchClient(byte[] bytes)
        {
            if (!_dataMode) return;
            for (int i = 0; i < bytes.Length; i++)
            {
                byte b = bytes[i];
                if (_dataHead.Length < 16384) _dataHead.WriteByte(b);
                bool end = b == 10 && _tail[0] == 13 && _tail[1] == 10 && _tail[2] == (byte)'.' && _tail[3] == 13;
                _tail[0] = _tail[1];
                _tail[1] = _tail[2];
                _tail[2] = _tail[3];
                _tail[3] = b;
                if (end)
                {
                    _dataMode = false;
                    _awaitingDotReply = true;
                    _dotKey = MessageIdOf(_dataHead.ToArray());
                }
            }
        }

        private void WatchServer(byte[] bytes)
        {
            foreach (byte b in bytes)
            {
                if (b != 10)
                {
                    if (b != 13 && _serverLine.Length < 1024) _serverLine.Append((char)b);
                    continue;
                }
                string line = _serverLine.ToString();
                _serverLine.Clear();
                if (line.Length < 3 || (line.Length > 3 && line[3] != ' ')) continue; // not the last line of a reply
                if (_awaitingDotReply)
                {
                    _awaitingDotReply = false;
                    if (line[0] == '2')
                    {
                        AckedKeys.Add(_dotKey);
                        From.NoteDelivered(_dotKey);
                    }
                    else if (line[0] == '4' && _far is GatewayFarEnd gateway && gateway.Node.CardFailedNow)
                    {
                        // The receiving gateway's card failed as it committed: it may not have been
                        // able to take the message back, and may deliver it besides the retry.
                        _world.Ledger.LostReply(_dotKey, "the final dot on " + From.Name + "→" + To + " got " + line + " while " + gateway.Node.Name + "'s card failed");
                    }
                }
                else if (line.StartsWith("354", StringComparison.Ordinal))
                {
                    _dataMode = true;
                    _dataHead.SetLength(0);
                    _tail[0] = 0;
                    _tail[1] = 0;
                    _tail[2] = 13; // data starts at the beginning of a line
                    _tail[3] = 10;
                }
            }
        }

        /// <summary>The first Message-ID field of a header section (after any trace fields), or "(none)".</summary>
        public static string MessageIdOf(byte[] data)
        {
            string text = Encoding.Latin1.GetString(data);
            int headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            string header = "\r\n" + (headerEnd < 0 ? text : text.Substring(0, headerEnd + 2));
            int at = header.IndexOf("\r\nMessage-ID:", StringComparison.OrdinalIgnoreCase);
            if (at < 0) return "(none)";
            int start = at + "\r\nMessage-ID:".Length;
            int end = header.IndexOf("\r\n", start, StringComparison.Ordinal);
            return (end < 0 ? header.Substring(start) : header.Substring(start, end - start)).Trim();
        }
    }
}
