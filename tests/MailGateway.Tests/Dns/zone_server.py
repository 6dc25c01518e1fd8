#!/usr/bin/python3
"""A small DNS server for the tests: answers from a zone, over UDP and TCP on loopback.

Built on dnslib's server classes (Debian: python3-dnslib). It answers like a recursive resolver
that knows only this zone (RFC 1034 §3.6.2, §4.3.2): records of the asked type; a CNAME chain
followed inside the zone (all of it in the answer, at most 16 hops; --no-follow returns just the
first CNAME); NOERROR with no records for a name that exists without that type (NODATA, RFC 2308
§2.2, empty non-terminals included); NXDOMAIN for a name that does not exist (RFC 6604: the
RCODE speaks of the last name of a chain).

Knobs, each naming a query name (repeatable):
  --servfail NAME      answer SERVFAIL
  --refused NAME       answer REFUSED
  --truncate NAME      over UDP: TC set, question kept, no records (the TCP answer is complete)
  --truncate-bare NAME over UDP: dnslib's own truncation, a bare header with TC (no question)
  --drop NAME          never answer (UDP or TCP)

Start-up: prints "READY <port>" once UDP and TCP listen on 127.0.0.1:<port> (--port 0 picks an
ephemeral port free for both), then one line per query: "QUERY <udp|tcp> <name> <TYPE>".
It exits when its standard input closes (the test that started it has gone) or after
--max-seconds, whichever comes first, so no server outlives its test run.
"""

import argparse
import os
import socket
import sys
import threading
import time

from dnslib import CLASS, DNSLabel, QTYPE, RCODE, RR, DNSError
from dnslib.server import DNSHandler, DNSServer


def key(name):
    return str(name).lower().rstrip(".")


class ZoneResolver:
    def __init__(self, zone_text, args):
        self.records = {}
        for rr in RR.fromZone(zone_text):
            self.records.setdefault(key(rr.rname), []).append(rr)
        self.follow = not args.no_follow
        self.servfail = set(key(n) for n in args.servfail)
        self.refused = set(key(n) for n in args.refused)
        self.truncate = set(key(n) for n in args.truncate)
        self.truncate_bare = set(key(n) for n in args.truncate_bare)
        self.drop = set(key(n) for n in args.drop)
        self.lock = threading.Lock()

    def exists(self, name):
        if name in self.records:
            return True
        suffix = "." + name
        return any(owner.endswith(suffix) for owner in self.records)

    def resolve(self, request, handler):
        qname = key(request.q.qname)
        qtype = request.q.qtype
        with self.lock:
            print("QUERY %s %s %s" % (handler.protocol, qname, QTYPE.get(qtype)), flush=True)
        if qname in self.drop:
            raise DNSError("dropped on purpose")
        reply = request.reply()
        if qname in self.servfail:
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        if qname in self.refused:
            reply.header.rcode = RCODE.REFUSED
            return reply
        if handler.protocol == "udp" and qname in self.truncate_bare:
            return reply.truncate()
        if handler.protocol == "udp" and qname in self.truncate:
            reply.header.tc = 1
            return reply

        name = qname
        for _ in range(16):
            here = self.records.get(name, [])
            typed = [rr for rr in here if rr.rtype == qtype and rr.rclass == CLASS.IN]
            if typed:
                for rr in typed:
                    reply.add_answer(rr)
                break
            cnames = [rr for rr in here if rr.rtype == QTYPE.CNAME]
            if cnames and qtype != QTYPE.CNAME:
                reply.add_answer(cnames[0])
                name = key(cnames[0].rdata.label)
                if not self.follow:
                    break
                continue
            if not self.exists(name):
                reply.header.rcode = RCODE.NXDOMAIN
            break
        return reply


class QuietLogger:
    def log_recv(self, handler, data): pass
    def log_send(self, handler, data): pass
    def log_request(self, handler, request): pass
    def log_reply(self, handler, reply): pass
    def log_truncated(self, handler, reply): pass
    def log_error(self, handler, e): pass
    def log_data(self, dnsobj): pass


def start(resolver, address, port):
    """UDP and TCP servers on the same port; port 0 tries ephemeral ports until both bind."""
    for _ in range(50):
        udp = DNSServer(resolver, address=address, port=port, logger=QuietLogger())
        chosen = udp.server.server_address[1]
        try:
            tcp = DNSServer(resolver, address=address, port=chosen, tcp=True, logger=QuietLogger())
        except OSError:
            udp.server.server_close()
            if port != 0:
                raise
            continue
        udp.start_thread()
        tcp.start_thread()
        return chosen
    raise OSError("no port free for both UDP and TCP")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--zone", help="zone file")
    p.add_argument("--zone-text", help="zone as text (instead of --zone)")
    p.add_argument("--address", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--no-follow", action="store_true", help="answer a CNAME without following it")
    p.add_argument("--servfail", action="append", default=[])
    p.add_argument("--refused", action="append", default=[])
    p.add_argument("--truncate", action="append", default=[])
    p.add_argument("--truncate-bare", action="append", default=[])
    p.add_argument("--drop", action="append", default=[])
    p.add_argument("--max-seconds", type=float, default=300)
    args = p.parse_args()
    if args.address not in ("127.0.0.1", "::1", "localhost"):
        p.error("this test server listens on loopback only")

    zone_text = args.zone_text
    if args.zone:
        with open(args.zone) as f:
            zone_text = f.read()
    resolver = ZoneResolver(zone_text or "", args)
    port = start(resolver, args.address, args.port)
    print("READY %d" % port, flush=True)

    def stop_when_stdin_closes():
        try:
            while sys.stdin.read(4096):
                pass
        finally:
            os._exit(0)

    threading.Thread(target=stop_when_stdin_closes, daemon=True).start()
    time.sleep(args.max_seconds)
    os._exit(0)


if __name__ == "__main__":
    main()
