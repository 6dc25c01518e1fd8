#!/usr/bin/env python3
"""Field conditions with real processes on loopback: what a gateway meets in a house full of
cameras, with the real tools people point at it.

  1. snapshot: the crash of 2026-12-06 (relaying any message above 1,886 bytes ended the process).
     A gateway relays through Postfix's smtp-sink as its smarthost (plaintext), swaks sends camera
     snapshots with --attach: a sweep of DATA sizes from 1,876 to 1,892 bytes, a 30 KB and a
     60 KB photo. Each is relayed (status=sent), smtp-sink's dump (-d) holds it byte for byte, and
     the same process still answers afterwards.
  2. corpus: every message of tests/corpus through the real tools. Gateway A takes it (swaks
     --data, smtplib) and relays it (a) by MX (a dnslib zone server) to gateway B, which keeps
     the mailboxes (users made with `mailgw user add`), fetched with poplib and with fetchmail;
     (b) through a smarthost that is aiosmtpd; (c) through smtp-sink. What arrives is the corpus
     file byte for byte once the trace fields on top are taken off (and, for the message without
     Date/Message-ID, the two fields the gateway adds at the end of its header).
  3. kill: kill -9 under load. Senders (smtplib threads) pour 1 KiB to 10 MiB messages into a
     gateway relaying to an aiosmtpd sink while the gateway is killed at random moments and
     started again on the same spool. Every message that got 250 after its final dot must reach
     the sink, byte for byte; a message may arrive twice only when a kill came between its copies
     (the sink's 250 was lost with the process); nothing half-written may remain in the spool.

Every check prints one line ("info" lines say what was measured); the last line is
"field: N passed, N failed". Usage: field.py PATH-TO-mailgw.dll (root for ports 25 and 110;
python3-dnslib, python3-aiosmtpd, swaks, fetchmail, smtp-sink from postfix). Everything listens
on 127.0.0.0/8 and stops with the script. FIELD_SEED=N replays the kill loop's random choices.
"""
import os
import poplib
import random
import re
import signal
import smtplib
import ssl
import subprocess
import sys
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from harness import Suite, field_end, strip_trace

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus"))
import corpus  # noqa: E402  (tests/corpus/corpus.py)

suite = Suite("field", sys.argv[1])
check, wait_for, wait_port, log_of = suite.check, suite.wait_for, suite.wait_port, suite.log_of
os.chmod(suite.work, 0o711)  # smtp-sink runs as nobody and writes its dumps below the work folder

ZONE = """
$TTL 300
home.test.      IN MX 10 mx.home.test.
mx.home.test.   IN A 127.0.0.110
"""
SNAPSHOT_GW, SINK_ADDRESS = "127.0.0.101", "127.0.0.102"            # part 1, and smtp-sink in part 2
B_ADDRESS, MX_GW, AIO_GW, AIO_SMARTHOST = "127.0.0.110", "127.0.0.111", "127.0.0.112", "127.0.0.113"
KILL_GW, KILL_SINK = "127.0.0.120", "127.0.0.121"
INSECURE = ssl.create_default_context()
INSECURE.check_hostname = False
INSECURE.verify_mode = ssl.CERT_NONE  # B's self-signed certificate


def info(text):
    print("info " + text, flush=True)


def mib(n):
    return "%.1f MiB" % (n / 1048576.0)


# ---- the corpus, and comparing what arrived ---------------------------------------------------

def load_corpus():
    """tests/corpus written into the work folder; a list of dicts in index.tsv's order."""
    folder = suite.path("corpus")
    corpus.write(folder)
    messages = []
    with open(os.path.join(folder, "index.tsv")) as f:
        for line in f:
            if line.strip():
                name, size, sender, locals_, what = line.rstrip("\n").split("\t")
                path = os.path.join(folder, name + ".eml")
                data = open(path, "rb").read()
                assert len(data) == int(size), name
                messages.append({"name": name, "sender": sender, "locals": locals_.split(","), "what": what,
                                 "path": path, "data": data})
    return messages


def header_of(message):
    return message[:message.find(b"\r\n\r\n") + 2]


def has_field(message, name):
    return re.search(rb"(?im)^" + re.escape(name) + rb":", header_of(message)) is not None


def without_added(delivered, original):
    """delivered without its trace fields and without the Message-ID and Date the first gateway
    added at the end of the header of a message that had none; None when one is missing."""
    body = strip_trace(delivered)
    for name in (b"Date", b"Message-ID"):  # added in the order Message-ID, Date: take Date off first
        if has_field(original, name):
            continue
        end = body.find(b"\r\n\r\n") + 2
        start = body.rfind(b"\r\n" + name + b": ", 0, end) + 2
        if start < 2 or field_end(body, start) != end:
            return None  # not added, or not as the last field
        body = body[:start] + body[end:]
    return body


def ident_of(message):
    """The line that tells corpus messages apart: Message-ID, or Subject for the one without."""
    m = re.search(rb"(?im)^Message-ID: [^\r]*", header_of(message)) or re.search(rb"(?im)^Subject: [^\r]*", header_of(message))
    return m.group(0)


def same(delivered, original):
    return without_added(delivered, original) == original


def first_difference(delivered, original):
    got = without_added(delivered, original)
    if got is None:
        return "the added Message-ID/Date are not where expected: " + repr(strip_trace(delivered)[:600])
    at = 0
    while at < min(len(got), len(original)) and got[at] == original[at]:
        at += 1
    return "differs at byte %d of %d (got %d bytes): expected %r, got %r" % (
        at, len(original), len(got), original[max(0, at - 40):at + 40], got[max(0, at - 40):at + 40])


def dot_stuffed(message):
    """What goes on the wire after DATA, without the final CRLF (swaks --no-data-fixup adds it)."""
    return re.sub(rb"(?m)^\.", b"..", message) + b"."


# ---- real peers: smtp-sink, aiosmtpd, swaks -----------------------------------------------------

def start_sink(name, address, port, options):
    user = ["-u", "nobody"] if os.geteuid() == 0 else []  # it refuses to run as root otherwise
    suite.start(["/usr/sbin/smtp-sink", "-h", name, "-t", "60"] + user + options + ["%s:%d" % (address, port), "64"], name)
    if not wait_port(address, port, 30):
        raise SystemExit(name + " did not start: " + log_of(name))


def sink_dumps(folder):
    """smtp-sink's -d dumps as the messages it received: its own X-*/Received lines taken off,
    the LF line ends it writes turned back into CRLF (SMTP only carries CRLF lines), and the
    empty line it appends removed."""
    found = []
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), "rb") as f:
            raw = f.read()
        at = raw.find(b"\nReceived: from ")
        if at < 0 or not raw.endswith(b"\n\n"):
            continue  # still being written
        message = raw[field_end(raw, at + 1):-1]
        found.append((name, message.replace(b"\n", b"\r\n")))
    return found


class Recorder:
    """aiosmtpd handler keeping everything that arrives, byte for byte (original_content)."""

    def __init__(self):
        self.arrivals = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.arrivals.append({"at": time.time(), "incarnation": getattr(server, "incarnation", 0),
                                  "from": envelope.mail_from, "to": list(envelope.rcpt_tos), "data": envelope.original_content})
        return "250 2.0.0 Ok: kept"


class TaggingSMTP(SMTP):
    """Notes which gateway process connected: the tag is taken before the greeting is sent, so a
    process can only send a message on a connection tagged with its own incarnation."""
    incarnation_now = [0]

    def connection_made(self, transport):
        self.incarnation = TaggingSMTP.incarnation_now[0]
        super().connection_made(transport)


class RecordingController(Controller):
    def factory(self):
        return TaggingSMTP(self.handler, **self.SMTP_kwargs)


def swaks(argv):
    out = subprocess.run(["swaks"] + argv, capture_output=True, text=True, errors="replace", timeout=120)
    m = re.search(r"<- +250 2\.0\.0 Ok: queued as (\w{8})", out.stdout)
    return (m.group(1) if m else None), out.stdout + out.stderr


def sent_data(transcript):
    """The message swaks sent, from its transcript (" -> " lines between 354 and the final dot),
    dot-unstuffed, with CRLF line ends."""
    lines = transcript.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("<-  354"))
    end = next(i for i in range(start, len(lines)) if lines[i] == " -> .")
    body = [line[4:] for line in lines[start + 1:end]]
    return "".join((line[1:] if line.startswith(".") else line) + "\r\n" for line in body).encode("latin-1")


def sent_log(gateway, queue_id, relay):
    return re.search(r"%s: to=<[^>]+>, relay=%s, .*status=sent" % (queue_id, re.escape(relay)), log_of(gateway))


# ---- 1. snapshot ----------------------------------------------------------------------------------

def part_snapshot(dns):
    started = time.time()
    dump = suite.path("sink-dump")
    os.mkdir(dump)
    os.chmod(dump, 0o777)
    start_sink("smtp-sink", SINK_ADDRESS, 2626, ["-d", dump + "/%Y%m%d%H%M%S."])
    proc = suite.start_gateway("snapshot", SNAPSHOT_GW, 25, [
        "hostname = gw.snapshot.test", "relay.smarthost = %s:2626" % SINK_ADDRESS, "relay.smarthost_tls = none",
        "queue.retry = 2s", dns])
    relay = "%s[%s]:2626" % (SINK_ADDRESS, SINK_ADDRESS)
    rng = random.Random(20261206)

    def snapshot(photo_bytes, pad):
        photo = suite.path("photo-%d.jpg" % photo_bytes)
        if not os.path.exists(photo):
            with open(photo, "wb") as f:
                f.write(corpus.fake_jpeg(rng, photo_bytes))
        queue_id, out = swaks(["--server", SNAPSHOT_GW, "--port", "25", "--from", "cam2@lan.test", "--to", "alerts@home.test",
                               "--helo", "cam2.lan.test", "--header", "Subject: [Camera 2] Motion detected",
                               "--header", "X-Pad: " + "x" * pad, "--attach-type", "image/jpeg", "--attach-name", "photo.jpg",
                               "--attach", "@" + photo])
        return queue_id, (sent_data(out) if queue_id else None), out

    def relayed(queue_id, data):
        """The message as smtp-sink got it, once the gateway logged it as sent; None if not."""
        if not queue_id or not wait_for(lambda: sent_log("snapshot", queue_id, relay) or proc.poll() is not None, 30):
            return None
        if proc.poll() is not None:
            return None  # it died (the crash): no use waiting for the rest
        return wait_for(lambda: next((m for _, m in sink_dumps(dump) if strip_trace(m) == data), None), 10)

    # The issue counts the DATA swaks sends (the gateway logs it as size=). What crashed was a
    # stored message above 2,048 bytes, DATA plus the gateway's Received field, whose length
    # depends on names and addresses: here the build before the fix relays 1,880 bytes of DATA
    # (2,048 with the field) and dies at 1,881. The sweep covers both. swaks makes its own Date, Message-Id and MIME boundary; an X-Pad field
    # of the right length brings its DATA to each size (base: its size with a pad of 0, learnt
    # from each send).
    queue_id, data, out = snapshot(500, 1)
    probe = relayed(queue_id, data)
    if not check("snapshot: a small snapshot (500-byte photo) is relayed through smtp-sink", probe, out + log_of("snapshot")):
        return
    base = len(data) - 1
    sizes = {}
    for target in range(1876, 1893):
        for _ in range(3):  # again if swaks's PID (in its boundary) just grew a digit
            pad = max(1, target - base)
            queue_id, data, out = snapshot(500, pad)
            if data is None:
                break
            base = len(data) - pad
            if len(data) == target:
                break
        got = relayed(queue_id, data)
        size = len(data) if data else target
        sizes[size] = len(got) if got else 0
        check("snapshot: DATA of %s bytes (swaks --attach; %s relayed) is relayed byte for byte (status=sent)" % (
            format(size, ","), format(sizes[size], ",")), got, (queue_id, out[-1500:], log_of("snapshot")[-3000:]))
    check("snapshot: the sweep covered DATA of 1,886 and 1,887 bytes", 1886 in sizes and 1887 in sizes, sorted(sizes))
    big = []
    for photo_bytes in (30000, 60000):
        queue_id, data, out = snapshot(photo_bytes, 1)
        got = relayed(queue_id, data)
        big.append(len(data or b""))
        check("snapshot: a %d KB photo (DATA of %s bytes) is relayed byte for byte (status=sent)" % (
            photo_bytes // 1000, format(len(data or b""), ",")),
              got, (queue_id, out[-1500:], log_of("snapshot")[-3000:]))

    # Still the same process, answering.
    alive = proc.poll() is None
    pids = set(re.findall(r"mailgw\[(\d+)\]", log_of("snapshot")))
    try:
        with smtplib.SMTP(SNAPSHOT_GW, 25, timeout=30) as s:
            code = s.ehlo("cam2.lan.test")[0]
            code = code if s.noop()[0] == 250 else 0
    except (OSError, smtplib.SMTPException) as e:
        code = e
    check("snapshot: the same process (PID %d) still answers EHLO and NOOP" % proc.pid,
          alive and pids == {str(proc.pid)} and code == 250, (alive, pids, code, log_of("snapshot")[-3000:]))
    check("snapshot: no exception in the gateway's log", not re.search(r"(?i)exception", log_of("snapshot")), log_of("snapshot")[-3000:])
    info("snapshot: %d messages with DATA of %s-%s bytes (%s-%s relayed), %s and %s bytes, through smtp-sink in %.1f s" % (
        len(sizes) + 1, format(min(sizes), ","), format(max(sizes), ","), format(min(sizes.values()), ","),
        format(max(sizes.values()), ","), format(big[0], ","), format(big[1], ","), time.time() - started))


# ---- 2. corpus --------------------------------------------------------------------------------------

def add_users_of(conf, messages, done):
    """Every recipient of the corpus gets a mailbox on B, the way an administrator makes them."""
    users = sorted({local for m in messages for local in m["locals"]} - {"admin"})
    for user in users:
        suite.add_user(conf, user, "pw-" + user, iterations=1000)  # the device's PBKDF2 setting, for speed
    done.append(len(users) + 1)


def pop_session(user):
    pop = poplib.POP3(B_ADDRESS, 110, timeout=60)
    pop.stls(context=INSECURE)
    pop.user(user)
    pop.pass_("pw-" + user)
    return pop


def fetch_poplib(users):
    """RETR of every message in every mailbox (kept on the server for fetchmail)."""
    got = {}
    for user in users:
        pop = pop_session(user)
        count = pop.stat()[0]
        got[user] = [b"\r\n".join(pop.retr(i)[1]) + b"\r\n" for i in range(1, count + 1)]
        pop.quit()
    return got


def fetch_fetchmail(users):
    """fetchmail, every mailbox, each message handed to an MDA that writes it to its own file
    (CRs kept: 'no stripcr'; no address rewriting); fetchmail deletes what it fetched."""
    deliver = suite.path("deliver.sh")
    with open(deliver, "w") as f:
        f.write('#!/bin/sh\nmkdir -p "$1" && exec cat > "$1/$(date +%s%N).$$"\n')
    os.chmod(deliver, 0o755)
    rc = suite.path("fetchmailrc")
    with open(rc, "w") as f:
        f.write("set no bouncemail\n")
        for user in users:
            f.write('poll %s protocol pop3 port 110 timeout 60 username "%s" password "pw-%s" sslproto "TLS1.2+" no sslcertck '
                    'no rewrite no stripcr no mimedecode mda "%s %s"\n' % (B_ADDRESS, user, user, deliver, suite.path("fetched/" + user)))
    os.chmod(rc, 0o600)
    out = subprocess.run(["fetchmail", "-f", rc, "--nosyslog", "--idfile", suite.path("fetchids")],
                         capture_output=True, text=True, timeout=180)
    got = {}
    for user in users:
        folder = suite.path("fetched/" + user)
        names = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
        got[user] = [open(os.path.join(folder, n), "rb").read() for n in names]
    return got, out


def compare_mailboxes(tool, messages, fetched):
    """One check per corpus message: each of its recipients' mailboxes holds it byte for byte,
    and no mailbox holds anything else."""
    for m in messages:
        bad = []
        for user in m["locals"]:
            copies = [d for d in fetched.get(user, []) if same(d, m["data"])]
            if len(copies) != 1:
                near = [d for d in fetched.get(user, []) if ident_of(m["data"]) in d]
                bad.append("%s: %d copies; %s" % (user, len(copies), first_difference(near[0], m["data"]) if near else "not there"))
        what = m["name"] + ("" if len(m["locals"]) == 1 else " in all %d mailboxes" % len(m["locals"]))
        check("corpus by MX, %s: %s byte for byte" % (tool, what), not bad, "; ".join(bad[:3]))
    expected = sum(len(m["locals"]) for m in messages)
    total = sum(len(v) for v in fetched.values())
    check("corpus by MX, %s: nothing else in the mailboxes (%d messages)" % (tool, expected), total == expected, total)
    return total, sum(len(d) for v in fetched.values() for d in v)


def part_corpus(dns, messages, b_conf, users_done):
    started = time.time()
    recorder = Recorder()
    aio = Controller(recorder, hostname=AIO_SMARTHOST, port=2525)
    aio.start()
    try:
        if not check("corpus: B's %d users were added with `mailgw user add`" % (users_done[0] if users_done else 0), users_done):
            return
        suite.run_gateway(b_conf, "home")
        suite.start_gateway("via-mx", MX_GW, 25, ["hostname = gw.lan.test", "queue.retry = 2s", dns])
        suite.start_gateway("via-aiosmtpd", AIO_GW, 25, ["hostname = gw.lan.test", "relay.smarthost = %s:2525" % AIO_SMARTHOST,
                                                          "relay.smarthost_tls = none", "queue.retry = 2s", dns])
        total_bytes = sum(len(m["data"]) for m in messages)
        info("corpus: %d messages, %s, %d recipients each way" % (len(messages), mib(total_bytes), sum(len(m["locals"]) for m in messages)))

        # swaks sends --data as it is only with --no-data-fixup (otherwise it drops a final "."
        # line and adds an empty line at the end): see what it does to two of them, for the record.
        for m in messages:
            if m["name"] in ("camera-30k", "leading-dots"):
                swaks(["--server", AIO_GW, "--port", "25", "--from", m["sender"], "--to", "swaks-default@example.test",
                       "--suppress-data", "--data", "@" + m["path"]])
        wait_for(lambda: len([a for a in recorder.arrivals if a["to"] == ["swaks-default@example.test"]]) >= 2, 30)
        for a in [a for a in recorder.arrivals if a["to"] == ["swaks-default@example.test"]]:
            original = next((m for m in messages if ident_of(m["data"]) in a["data"]), None)
            if original is None:
                continue
            got = strip_trace(a["data"])
            info("swaks --data @%s.eml without --no-data-fixup: %+d bytes, %s" % (
                original["name"], len(got) - len(original["data"]), "unchanged" if got == original["data"] else
                "ends %r instead of %r" % (got[-12:], original["data"][-12:])))

        # Submission: swaks (verbatim) to the MX gateway and to the smtp-sink one, smtplib to the
        # aiosmtpd one.
        refused = {MX_GW: [], SNAPSHOT_GW: [], AIO_GW: []}
        for m in messages:
            stuffed = suite.path(m["name"] + ".dot")
            with open(stuffed, "wb") as f:
                f.write(dot_stuffed(m["data"]))
            for gateway, domain in ((MX_GW, "home.test"), (SNAPSHOT_GW, "example.test")):
                queue_id, out = swaks(["--server", gateway, "--port", "25", "--from", m["sender"],
                                       "--to", ",".join(l + "@" + domain for l in m["locals"]), "--helo", "device.lan.test",
                                       "--no-data-fixup", "--suppress-data", "--data", "@" + stuffed])
                m["queue-" + gateway] = queue_id
                if not queue_id:
                    refused[gateway].append("%s: %s" % (m["name"], out[-1000:]))
            try:
                with smtplib.SMTP(AIO_GW, 25, timeout=60) as s:
                    if s.sendmail(m["sender"], [l + "@example.test" for l in m["locals"]], m["data"]):
                        refused[AIO_GW].append(m["name"] + ": a recipient was refused")
            except (OSError, smtplib.SMTPException) as e:
                refused[AIO_GW].append("%s: %r" % (m["name"], e))
        for gateway, tool in ((MX_GW, "swaks --no-data-fixup"), (SNAPSHOT_GW, "swaks --no-data-fixup"), (AIO_GW, "smtplib")):
            check("corpus: %s accepted all %d (%s)" % (gateway, len(messages), tool), not refused[gateway], refused[gateway][:3])
        submitted = time.time()

        # (b) aiosmtpd as the smarthost: byte for byte, the envelope kept.
        def at_aiosmtpd(m):
            return [a for a in recorder.arrivals if a["to"] != ["swaks-default@example.test"] and same(a["data"], m["data"])]
        wait_for(lambda: all(at_aiosmtpd(m) for m in messages), 90)
        for m in messages:
            got = at_aiosmtpd(m)
            envelope = got and got[0]["from"] == m["sender"] and got[0]["to"] == [l + "@example.test" for l in m["locals"]]
            near = [a["data"] for a in recorder.arrivals if ident_of(m["data"]) in a["data"]]
            check("corpus via smarthost aiosmtpd: %s byte for byte, envelope kept" % m["name"], len(got) == 1 and envelope,
                  "%d copies; %s" % (len(got), first_difference(near[0], m["data"]) if near else log_of("via-aiosmtpd")[-2000:]))

        # (c) smtp-sink as the smarthost (its dump, CRLF restored).
        def at_sink():
            dumps = [d for _, d in sink_dumps(suite.path("sink-dump"))]
            return {m["name"]: [d for d in dumps if same(d, m["data"])] for m in messages}
        wait_for(lambda: all(at_sink().values()), 90)
        found = at_sink()
        for m in messages:
            check("corpus via smarthost smtp-sink: %s byte for byte" % m["name"], len(found[m["name"]]) == 1,
                  "%d copies; %s" % (len(found[m["name"]]), log_of("snapshot")[-2000:]))

        # (a) by MX to B, into the mailboxes.
        recipients = sum(len(m["locals"]) for m in messages)
        stored = wait_for(lambda: len(re.findall(r"relay=local, .*status=sent", log_of("home"))) >= recipients or None, 90)
        check("corpus by MX: A found B by MX and B stored all %d copies" % recipients, stored,
              log_of("via-mx")[-2000:] + log_of("home")[-2000:])
        check("corpus by MX: A relayed to mx.home.test", all(sent_log("via-mx", m["queue-" + MX_GW], "mx.home.test[%s]:25" % B_ADDRESS)
                                                              for m in messages if m.get("queue-" + MX_GW)), log_of("via-mx")[-3000:])
        relayed = time.time()
        users = sorted({l for m in messages for l in m["locals"]})
        count, size = compare_mailboxes("poplib", messages, fetch_poplib(users))
        popped = time.time()
        info("corpus: poplib fetched %d messages, %s from %d mailboxes in %.1f s" % (count, mib(size), len(users), popped - relayed))
        fetched, out = fetch_fetchmail(users)
        check("corpus by MX, fetchmail: ran without errors", out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:])
        count, size = compare_mailboxes("fetchmail", messages, fetched)
        info("corpus: fetchmail fetched %d messages, %s in %.1f s" % (count, mib(size), time.time() - popped))
        left = 0
        for user in ("admin", "alerts"):
            pop = pop_session(user)
            left += pop.stat()[0]
            pop.quit()
        check("corpus by MX, fetchmail: it deleted what it fetched", left == 0, left)
        logs = "".join(log_of(name) for name in ("snapshot", "via-mx", "via-aiosmtpd", "home"))
        trouble = re.findall(r".*(?:error:|warning:|[Ee]xception).*", logs)
        check("corpus: no error, warning or exception in the gateways' logs", not trouble, trouble[:5])
        info("corpus: submitted 3 x %s in %.1f s, all relayed %.1f s later; part took %.1f s" % (
            mib(total_bytes), submitted - started, relayed - submitted, time.time() - started))
    finally:
        aio.stop()


# ---- 3. kill -9 under load ----------------------------------------------------------------------------

class Senders:
    """Threads that send until told to stop, each message with its own Message-ID, recording
    which got 250 after their final dot."""

    def __init__(self, messages, seed):
        self.kinds = [(m["name"], m["data"], m["sender"]) for m in messages
                      if m["name"] in ("camera-30k", "camera-60k", "scan-pdf", "camera-2m", "utf8-8bit", "leading-dots")]
        self.big = next(m for m in messages if m["name"] == "nas-10m")
        self.sent = {}
        self.lock = threading.Lock()
        self.serial = 0
        self.refused = 0
        self.stop = threading.Event()
        self.seed = seed
        self.threads = []

    def new_id(self):
        with self.lock:
            self.serial += 1
            return "field-%05d@kill.test" % self.serial

    @staticmethod
    def small(message_id, rng):
        """A 1 KiB sensor report, with a line that needs dot-stuffing."""
        head = ("From: sensor@lan.test\r\nTo: ops@example.test\r\nSubject: reading %s\r\n"
                "Date: Sun, 06 Dec 2026 09:00:00 +0100\r\nMessage-ID: <%s>\r\n\r\n.dot line\r\n" % (message_id, message_id)).encode()
        text = "".join(rng.choice("abcdefghij klmnop") for _ in range(1024 - len(head) - 2))
        return head + text.encode() + b"\r\n"

    @staticmethod
    def with_id(data, message_id):
        return re.sub(rb"(?m)^Message-ID: <[^>]*>", b"Message-ID: <" + message_id.encode() + b">", data, count=1)

    def send(self, sender, data, message_id):
        try:
            s = smtplib.SMTP(KILL_GW, 25, timeout=60)
        except (OSError, smtplib.SMTPException):  # down, or dying before its greeting
            with self.lock:
                self.refused += 1
            return False
        record = {"data": data, "status": None, "started": time.time()}
        with self.lock:
            self.sent[message_id] = record
        try:
            s.sendmail(sender, ["ops@example.test"], data)
            record["status"] = 250
        except (OSError, smtplib.SMTPException) as e:
            record["status"] = repr(e)[:200]
        record["ended"] = time.time()
        try:
            s.quit()
        except (OSError, smtplib.SMTPException):
            s.close()
        return True

    def run(self, n):
        rng = random.Random(self.seed * 100 + n)
        while not self.stop.is_set():
            message_id = self.new_id()
            if rng.random() < 0.75:
                data, sender = self.small(message_id, rng), "sensor@lan.test"
            else:
                _, data, sender = rng.choice(self.kinds)
                data = self.with_id(data, message_id)
            if not self.send(sender, data, message_id):
                time.sleep(0.05)
            time.sleep(rng.uniform(0, 0.05))

    def start(self, count):
        for n in range(count):
            t = threading.Thread(target=self.run, args=(n,), daemon=True)
            t.start()
            self.threads.append(t)

    def send_big(self):
        """One 10 MiB NAS report, from its own thread."""
        message_id = self.new_id()
        t = threading.Thread(target=self.send, args=(self.big["sender"], self.with_id(self.big["data"], message_id), message_id), daemon=True)
        t.start()
        self.threads.append(t)

    def finish(self, seconds):
        self.stop.set()
        deadline = time.time() + seconds
        for t in self.threads:
            t.join(max(0.1, deadline - time.time()))
        return not any(t.is_alive() for t in self.threads)


def message_id_of(data):
    m = re.search(rb"(?im)^Message-ID: <([^>]*)>", header_of(data))
    return m.group(1).decode("latin-1") if m else None


def part_kill(dns, messages):
    started = time.time()
    seed = int(os.environ.get("FIELD_SEED", "0")) or random.randrange(1, 10 ** 6)
    rng = random.Random(seed)
    rounds = 6
    info("kill: seed %d (FIELD_SEED=%d replays the choices), %d rounds" % (seed, seed, rounds))
    recorder = Recorder()
    sink = RecordingController(recorder, hostname=KILL_SINK, port=2525)
    sink.start()
    spool = suite.path("kill-spool")
    conf = suite.write_config("kill", KILL_GW, 25, ["hostname = gw.kill.test", "relay.smarthost = %s:2525" % KILL_SINK,
                                                    "relay.smarthost_tls = none", "queue.retry = 1s", dns])
    senders = Senders(messages, seed)
    try:
        for incarnation in range(1, rounds + 1):
            TaggingSMTP.incarnation_now[0] = incarnation
            proc = suite.run_gateway(conf, "kill-%d" % incarnation)
            if incarnation == 1:
                senders.start(3)
            senders.send_big()
            up = rng.uniform(0.5, 4.0)
            time.sleep(up)
            with senders.lock:
                receiving = [r for r in senders.sent.values() if "ended" not in r]
            queued = len([n for n in os.listdir(spool) if n.endswith(".MSG")])
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            with senders.lock:
                confirmed = len([r for r in senders.sent.values() if r["status"] == 250])
            info("kill: round %d: killed after %.1f s while receiving %d message(s) (%s bytes) with %d in the queue; "
                 "%d messages with 250 so far, %d copies at the sink" % (
                     incarnation, up, len(receiving), ", ".join(format(len(r["data"]), ",") for r in receiving) or "-",
                     queued, confirmed, len(recorder.arrivals)))
        check("kill: the senders stopped", senders.finish(120))
        # The last start: everything left in the queue drains.
        TaggingSMTP.incarnation_now[0] = rounds + 1
        drain_started = time.time()
        final = suite.run_gateway(conf, "kill-%d" % (rounds + 1))

        def drained():
            queued = [n for n in os.listdir(spool) if n.endswith(".MSG")]
            quiet = not recorder.arrivals or time.time() - recorder.arrivals[-1]["at"] > 3
            return not queued and quiet
        ok = wait_for(drained, 120)
        drain_seconds = time.time() - drain_started
        check("kill: the queue drains after the last start (%.1f s)" % drain_seconds, ok,
              sorted(os.listdir(spool)) + [log_of("kill-%d" % (rounds + 1))[-3000:]])
        final.send_signal(signal.SIGTERM)
        try:
            code = final.wait(timeout=30)
        except subprocess.TimeoutExpired:
            code = "still running"
        check("kill: the last one stops cleanly on SIGTERM", code == 0, code)
    finally:
        senders.finish(5)
        sink.stop()

    # What arrived, against what was sent.
    sent = senders.sent
    confirmed = {k: r for k, r in sent.items() if r["status"] == 250}
    unconfirmed = {k: r for k, r in sent.items() if r["status"] != 250}
    copies = {}
    strangers, damaged = [], []
    for a in recorder.arrivals:
        message_id = message_id_of(strip_trace(a["data"]))
        if message_id not in sent:
            strangers.append(a["data"][:300])
            continue
        if strip_trace(a["data"]) != sent[message_id]["data"]:
            damaged.append("%s: %s" % (message_id, first_difference(a["data"], sent[message_id]["data"])))
        copies.setdefault(message_id, []).append(a["incarnation"])
    missing = sorted(k for k in confirmed if k not in copies)
    check("kill: every one of the %d messages that got 250 reached the sink" % len(confirmed), not missing,
          ["%s (%d bytes)" % (k, len(confirmed[k]["data"])) for k in missing[:20]])
    check("kill: every copy at the sink is byte for byte what was sent (%d copies)" % len(recorder.arrivals), not damaged, damaged[:5])
    check("kill: nothing arrived that was never sent", not strangers, strangers[:3])
    twice_in_one_run = {k: v for k, v in copies.items() if len(set(v)) < len(v)}
    check("kill: a message arrives twice only when a kill came between its copies", not twice_in_one_run,
          ["%s incarnations %s" % (k, v) for k, v in list(twice_in_one_run.items())[:10]])
    names = sorted(os.listdir(spool))
    left = [n for n in names if n.endswith((".TMP", ".MSG", ".RCP", ".BAD"))]
    check("kill: nothing half-written is left in the spool", not left, names)
    logs = "".join(log_of("kill-%d" % i) for i in range(1, rounds + 2))
    trouble = re.findall(r".*(?:error:|warning:|quarantined|left in place|[Ee]xception).*", logs)
    check("kill: no damaged queue file, error, warning or exception in any run's log", not trouble, trouble[:5])

    duplicates = sum(len(v) - 1 for v in copies.values())
    dup_confirmed = sum(len(v) - 1 for k, v in copies.items() if k in confirmed)
    total_bytes = sum(len(r["data"]) for r in confirmed.values())
    sizes = [len(r["data"]) for r in sent.values()] or [0]
    info("kill: %d messages sent (%d with 250, %s; %d without: the gateway died before their 250), sizes %s-%s bytes; "
         "%d connections refused while it was down" % (len(sent), len(confirmed), mib(total_bytes), len(unconfirmed),
                                                       format(min(sizes), ","), format(max(sizes), ","), senders.refused))
    big = [r for r in sent.values() if len(r["data"]) > 10 ** 7]
    info("kill: 10 MiB NAS reports: %d sent, %d with 250" % (len(big), len([r for r in big if r["status"] == 250])))
    info("kill: %d copies at the sink; %d duplicates, each across a kill (the sink's 250 died with the process): %d of "
         "messages that got 250, %d of the others; %d of the %d without 250 arrived anyway" % (
             len(recorder.arrivals), duplicates, dup_confirmed, duplicates - dup_confirmed,
             len([k for k in unconfirmed if k in copies]), len(unconfirmed)))
    info("kill: %d restarts removed %d unfinished messages; drained in %.1f s; part took %.1f s" % (
        rounds, len(re.findall(r"removed unfinished message", logs)), drain_seconds, time.time() - started))


def main():
    started = time.time()
    dns = "dns.servers = 127.0.0.1:%d" % suite.start_dns(ZONE)
    messages = load_corpus()
    # B's users are made while part 1 runs (B starts with them, in part 2).
    b_conf = suite.write_config("home", B_ADDRESS, 25, ["hostname = mx.home.test", "local.domains = home.test",
                                                        "alias.postmaster = admin", "pop3.listen = %s:110" % B_ADDRESS, dns])
    suite.add_user(b_conf, "admin", "pw-admin")
    users_done = []
    adder = threading.Thread(target=add_users_of, args=(b_conf, messages, users_done), daemon=True)
    adder.start()
    part_snapshot(dns)
    adder.join(120)
    part_corpus(dns, messages, b_conf, users_done)
    part_kill(dns, messages)
    info("field: %.1f s in all" % (time.time() - started))


if __name__ == "__main__":
    try:
        main()
    finally:
        suite.stop_all()
    sys.exit(suite.finish(show_logs=("snapshot", "via-mx", "via-aiosmtpd", "home", "kill-7")))
