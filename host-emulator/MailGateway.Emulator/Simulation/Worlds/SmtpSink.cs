// A scripted SMTP receiving host (a mailbox host or provider the gateway relays to), with the
// fault switches of Postfix's smtp-sink: for one stage of the dialog — greeting, EHLO, MAIL, RCPT,
// DATA or the final dot — a soft (4xx) or hard (5xx) reply, "421 and close", no reply at all
// (stall), a connection reset, or, at the final dot, keeping the message and losing the reply
// (then stalling or resetting). Faults are data: windows of world time (SinkFault), and a
// connection takes the fault active when it is accepted, for its whole life. Beside the windows,
// the sink's truth: local parts starting with "nobody" do not exist (550 5.1.1 at RCPT, always),
// and with Greylist each recipient is turned away once with 450 4.7.1 before it is accepted.
//
// Every 5xx the sink gives about a recipient is written in the ledger as a permanent refusal —
// the only thing that makes a bounce for that recipient right (apart from DNS truth and expiry).
// Every message the sink keeps (2xx to the final dot, or a swallowed reply) is a Copy in the
// ledger, dot-unstuffed, byte for byte.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace MailGateway.Emulator.Simulation.Worlds
{
    public enum SinkStage { Greeting, Ehlo, Mail, Rcpt, Data, Dot }

    public enum SinkAction
    {
        /// <summary>4xx at the stage.</summary>
        Soft,
        /// <summary>5xx at the stage (at EHLO: the client falls back to HELO).</summary>
        Hard,
        /// <summary>No reply from the stage on; the connection stays open.</summary>
        Stall,
        /// <summary>The connection is reset at the stage.</summary>
        Reset,
        /// <summary>421 at the stage, then close.</summary>
        Close421,
        /// <summary>At the final dot only: the message is kept, the reply never comes (the sink stalls).</summary>
        KeepAndStall,
        /// <summary>At the final dot only: the message is kept, then the connection is reset before the reply.</summary>
        KeepAndReset,
    }

    public sealed class SinkFault
    {
        public SinkStage Stage;
        public SinkAction Action;
        public long FromMs;
        public long ToMs;

        public override string ToString() => Action + " at " + Stage + " " + World.FormatTime(FromMs) + ".." + World.FormatTime(ToMs);
    }

    public sealed class SmtpSink
    {
        private readonly World _world;
        private readonly HashSet<string> _greylisted = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private readonly Random _random;
        private int _transactions;

        public SmtpSink(World world, string name, string address)
        {
            _world = world;
            Name = name;
            Address = address;
            _random = new Random(world.Seed * 31 + name.GetHashCode32());
        }

        public string Name { get; }
        public string Address { get; }
        public readonly List<SinkFault> Faults = new List<SinkFault>();
        public bool Greylist;

        /// <summary>A session for a connection from a gateway, with the fault active now (if any).</summary>
        public SinkSession Open(GatewayNode from, long nowMs)
        {
            var active = new List<SinkFault>();
            foreach (SinkFault f in Faults)
            {
                if (f.FromMs <= nowMs && nowMs < f.ToMs) active.Add(f);
            }
            SinkFault fault = active.Count == 0 ? null : active[_random.Next(active.Count)];
            return new SinkSession(this, _world, from, fault);
        }

        internal int NextTransaction() => ++_transactions;

        /// <summary>True the first time a recipient is seen, when greylisting.</summary>
        internal bool Greylisted(string recipient) => Greylist && _greylisted.Add(recipient);
    }
}
