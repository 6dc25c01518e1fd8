#!/usr/bin/env python3
"""Field conditions with real processes on loopback: what a gateway meets in a house full of
cameras, with the real tools people point at it.

  1. snapshot: the crash of 2026-12-06 (relaying any message above 1,886 bytes ended the process).
     A gateway relays through Postfix's smtp-sink as its smarthost (plaintext), swaks sends camera
     snapshots with --attach: a sweep of DATA sizes from 1,876 to 1,892 bytes, a 30 KB and a
     60 KB photo. Each is relayed (status=sent), smtp-sink's dump (-d) holds it byte for byte, and
     the same process still answers afterwards.

Every check prints one line ("info" lines say what was measured); the last line is
"field: N passed, N failed". Usage: field.py PATH-TO-mailgw.dll (root for port 25;
python3-dnslib, swaks, smtp-sink from postfix). Everything listens on 127.0.0.0/8 and stops with
the script.
"""
import os
import random
import re
import smtplib
import subprocess
import sys
import time

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
SNAPSHOT_GW, SINK_ADDRESS = "127.0.0.101", "127.0.0.102"


def info(text):
    print("info " + text, flush=True)


# ---- real peers: smtp-sink, swaks -----------------------------------------------------

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


def main():
    started = time.time()
    dns = "dns.servers = 127.0.0.1:%d" % suite.start_dns(ZONE)
    part_snapshot(dns)
    info("field: %.1f s in all" % (time.time() - started))


if __name__ == "__main__":
    try:
        main()
    finally:
        suite.stop_all()
    sys.exit(suite.finish(show_logs=("snapshot",)))
