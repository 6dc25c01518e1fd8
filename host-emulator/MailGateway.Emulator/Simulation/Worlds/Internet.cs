// The world's internet: joins the gateways' network stacks (one SimulatedNetwork each) to each
// other, to the scripted SMTP sinks and to the DNS server, so that gateway A's outbound connect to
// mx.bbb.de reaches gateway B's listener and A's DNS query reaches DnsZone.
//
// How: Wire() serves, on every gateway's network, port 25 of every other host's address (a
// SimulatedServer) and the DNS server's UDP port (a datagram handler). Pump() accepts the connects
// waiting at those servers and makes a Link for each — to the target gateway's listener (a client
// of its network) or to a new SinkSession — unless the target is down: Refusing answers with a
// refusal (RST), a gateway without power or listener likewise; Blackhole and Unreachable are the
// networks' own reachability (connects hang until the gateway's timeout, or fail at once). Then it
// pumps every link. LinkFaults reset or stall the connections made in their windows.
//
// OnCrash(g) is the other half of the duplicate rule: when gateway g loses power, every link it
// has open is reset, and every message it had already handed over on such a link (a 2xx to its
// final dot) — or on one closed at this very moment — may be handed over again, since the cut may
// have come before g recorded the delivery (Ledger.CrashWindow). Links into g are reset too: a
// final dot sent to g and not yet answered is a lost reply.
using System;
using System.Collections.Generic;
using MailGateway.Emulator.Simulation;

namespace MailGateway.Emulator.Simulation.Worlds
{
    public enum Availability { Up, Refusing, Blackhole, Unreachable }

    /// <summary>Connections made in a window of world time (to one address, or any) are reset, or stall, after some bytes.</summary>
    public sealed class LinkFault
    {
        public long FromMs;
        public long ToMs;
        /// <summary>null: connections to any address.</summary>
        public string To;
        public bool Stall;
        public long AfterBytes;

        public override string ToString() => (Stall ? "stall" : "reset") + " after " + AfterBytes + " bytes, to " + (To ?? "any host") + " " +
                                             World.FormatTime(FromMs) + ".." + World.FormatTime(ToMs);
    }

    public sealed class Internet
    {
        public const string DnsAddress = "10.0.0.53";

        private readonly World _world;
        private readonly List<GatewayNode> _gateways = new List<GatewayNode>();
        private readonly Dictionary<string, GatewayNode> _gatewayAt = new Dictionary<string, GatewayNode>();
        private readonly Dictionary<string, SmtpSink> _sinkAt = new Dictionary<string, SmtpSink>();
        private readonly Dictionary<string, Availability> _availability = new Dictionary<string, Availability>();
        private readonly List<Served> _served = new List<Served>();
        private readonly List<Link> _links = new List<Link>();

        private sealed class Served
        {
            public GatewayNode From;
            public string Address;
            public SimulatedServer Server;
        }

        public Internet(World world)
        {
            _world = world;
        }

        public readonly List<LinkFault> LinkFaults = new List<LinkFault>();

        public IReadOnlyList<GatewayNode> Gateways => _gateways;
        public IEnumerable<SmtpSink> Sinks => _sinkAt.Values;
        public int OpenLinks => _links.Count;

        public void Add(GatewayNode gateway)
        {
            _gateways.Add(gateway);
            _gatewayAt.Add(gateway.Address, gateway);
        }

        public void Add(SmtpSink sink) => _sinkAt.Add(sink.Address, sink);

        /// <summary>Serves every host's port 25 and the DNS server on every gateway's network (once all are added).</summary>
        public void Wire()
        {
            foreach (GatewayNode g in _gateways)
            {
                g.Network.SetLocalAddresses(g.Address);
                foreach (string address in HostAddresses())
                {
                    if (address == g.Address) continue;
                    _served.Add(new Served { From = g, Address = address, Server = g.Network.Serve(address, 25) });
                }
                g.Network.OnDatagram(DnsAddress, 53, query => _world.Dns.Answer(query));
            }
        }

        private List<string> HostAddresses()
        {
            var all = new List<string>(_gatewayAt.Keys);
            all.AddRange(_sinkAt.Keys);
            all.Sort(StringComparer.Ordinal);
            return all;
        }

        public Availability AvailabilityOf(string address) => _availability.TryGetValue(address, out Availability a) ? a : Availability.Up;

        /// <summary>What connects to address meet from now on (connects already waiting keep what they met).</summary>
        public void SetAvailability(string address, Availability availability)
        {
            _availability[address] = availability;
            foreach (GatewayNode g in _gateways)
            {
                g.Network.SetReachability(address, availability == Availability.Blackhole ? SimulatedReachability.Blackhole
                                                  : availability == Availability.Unreachable ? SimulatedReachability.Unreachable
                                                  : SimulatedReachability.Reachable);
            }
        }

        /// <summary>Accepts or refuses waiting connects and pumps every link; true if anything moved.</summary>
        public bool Pump(long nowMs)
        {
            bool moved = false;
            foreach (Served s in _served)
            {
                if (!s.From.IsUp) continue;
                while (s.Server.PendingCount > 0)
                {
                    Availability a = AvailabilityOf(s.Address);
                    if (a == Availability.Blackhole) break; // the gateway's connect timeout ends it
                    moved = true;
                    IFarEnd far = null;
                    if (a == Availability.Up)
                    {
                        if (_gatewayAt.TryGetValue(s.Address, out GatewayNode target))
                        {
                            if (target.IsUp && target.Network.IsListening(s.Address, 25))
                            {
                                far = new GatewayFarEnd(target, target.Network.Connect(s.Address, 25, s.From.Address));
                            }
                        }
                        else if (_sinkAt.TryGetValue(s.Address, out SmtpSink sink))
                        {
                            far = sink.Open(s.From, nowMs);
                        }
                    }
                    if (far == null)
                    {
                        s.Server.RefuseNext();
                        continue;
                    }
                    var link = new Link(_world, s.From, s.Address, s.Server.Accept(), far);
                    foreach (LinkFault f in LinkFaults)
                    {
                        if (f.FromMs > nowMs || nowMs >= f.ToMs || (f.To != null && f.To != s.Address)) continue;
                        if (f.Stall) link.StallAfterBytes = f.AfterBytes;
                        else link.ResetAfterBytes = f.AfterBytes;
                        _world.Ledger.Count("link faults met");
                        break;
                    }
                    _links.Add(link);
                }
            }
            for (int i = 0; i < _links.Count; i++) moved |= _links[i].Pump(nowMs);
            // Finished links are kept for the rest of this moment (OnCrash looks at them), then dropped.
            _links.RemoveAll(l => l.Done && l.ClosedAtMs < nowMs);
            return moved;
        }

        /// <summary>Gateway g lost power (see the header).</summary>
        public void OnCrash(GatewayNode g)
        {
            long now = _world.Now;
            foreach (Link link in _links)
            {
                if (link.From == g && (!link.Done || link.ClosedAtMs == now))
                {
                    foreach (string key in link.AckedKeys)
                    {
                        _world.Ledger.CrashWindow(key, g.Name + " lost power with the delivery on " + g.Name + "→" + link.To + " perhaps not yet recorded");
                    }
                }
                if (!link.Done && (link.From == g || (link.Far is GatewayFarEnd far && far.Node == g)))
                {
                    link.Reset(now);
                }
            }
        }
    }
}
