#!/usr/bin/env python3
"""The whole seed story with real processes, mailboxes included (DESIGN steps 1-4): person 1
submits with AUTH over STARTTLS to gateway A (smtp.aaa.com, 127.0.0.10:587), which relays by MX
(a dnslib server says so) to gateway B (mx.bbb.de, 127.0.0.20:25), which keeps person 2's
mailbox; person 2 fetches it over POP3 with STLS — with Python's poplib and with fetchmail — and
the message is byte for byte what was sent, plus the trace fields.

Every check prints one line; the last line is "mailhost: N passed, N failed".
Usage: mailhost.py PATH-TO-mailgw.dll  (root for port 25; python3-dnslib, fetchmail).
"""
import os
import poplib
import re
import smtplib
import ssl
import subprocess
import sys

from harness import Suite, strip_trace

suite = Suite("mailhost", sys.argv[1])
check, wait_for, log_of = suite.check, suite.wait_for, suite.log_of

ZONE = """
$TTL 300
aaa.com.        IN MX 10 smtp.aaa.com.
smtp.aaa.com.   IN A 127.0.0.10
bbb.de.         IN MX 10 mx.bbb.de.
mx.bbb.de.      IN A 127.0.0.20
"""

# What person 1's mail program sends: CRLF lines, one starting with a dot, 8-bit text.
MESSAGE = (b"From: Person One <person1@aaa.com>\r\n"
           b"To: Person Two <person2@bbb.de>\r\n"
           b"Subject: the seed story\r\n"
           b"Message-ID: <story-1@aaa.com>\r\n"
           b"Date: Sun, 29 Nov 2026 20:00:00 +0000\r\n"
           b"MIME-Version: 1.0\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n"
           b"Content-Transfer-Encoding: 8bit\r\n"
           b"\r\n"
           b"Hello person 2,\r\n"
           b".this line starts with a dot\r\n"
           b"Gr\xc3\xbc\xc3\x9fe aus aaa.com\r\n")

INSECURE = ssl.create_default_context()
INSECURE.check_hostname = False
INSECURE.verify_mode = ssl.CERT_NONE  # the gateways' self-signed certificates


def main():
    dns = "dns.servers = 127.0.0.1:%d" % suite.start_dns(ZONE)

    suite.start_gateway("gateway-b", "127.0.0.20", 25, [
        "hostname = mx.bbb.de", "local.domains = bbb.de", "alias.postmaster = person2",
        "relay.allow = 127.0.0.1/32", "pop3.listen = 127.0.0.20:110", dns], users=[("person2", "pw of person 2")])
    suite.start_gateway("gateway-a", "127.0.0.10", 25, [
        "smtp.listen = 127.0.0.10:25, 127.0.0.10:587", "hostname = smtp.aaa.com", "local.domains = aaa.com",
        "alias.postmaster = person1", "relay.allow = 127.0.0.1/32", "pop3.listen = 127.0.0.10:110",
        "queue.retry = 2s", dns], users=[("person1", "pw of person 1")])

    # 1. Person 1, from outside the LAN (127.0.0.5 is not in relay.allow), submits with AUTH.
    with smtplib.SMTP("127.0.0.10", 587, timeout=30, source_address=("127.0.0.5", 0)) as s:
        s.ehlo("laptop.aaa.com")
        try:
            s.sendmail("person1@aaa.com", ["person2@bbb.de"], MESSAGE)
            check("A refuses to relay before AUTH", False, "accepted")
        except smtplib.SMTPRecipientsRefused as e:
            check("A refuses to relay before AUTH", e.recipients["person2@bbb.de"][0] == 554, e.recipients)
        s.starttls(context=INSECURE)
        s.ehlo("laptop.aaa.com")
        s.login("person1", "pw of person 1")
        refused = s.sendmail("person1@aaa.com", ["person2@bbb.de"], MESSAGE)
        check("A accepts it after AUTH over STARTTLS", refused == {})

    # 2. A finds B by MX and delivers; B stores it in person 2's mailbox.
    check("A delivers to mx.bbb.de", wait_for(lambda: re.search(r"to=<person2@bbb\.de>, relay=mx\.bbb\.de\[127\.0\.0\.20\]:25, .*status=sent", log_of("gateway-a")), 60),
          log_of("gateway-a"))
    check("B stores it in the mailbox", wait_for(lambda: re.search(r"to=<person2@bbb\.de>, relay=local, .*status=sent", log_of("gateway-b")), 60),
          log_of("gateway-b"))

    # 3. Person 2 fetches it over POP3 (STLS): byte for byte what was sent, plus trace fields.
    pop = poplib.POP3("127.0.0.20", 110, timeout=30)
    pop.stls(context=INSECURE)
    pop.user("person2")
    pop.pass_("pw of person 2")
    count, _ = pop.stat()
    check("person 2 has one message", count == 1, count)
    raw = b"\r\n".join(pop.retr(1)[1]) + b"\r\n" if count else b""
    pop.quit()  # no DELE: fetchmail takes it next
    check("the message is byte for byte what was sent", strip_trace(raw) == MESSAGE, raw[:1500])
    trace = raw[:len(raw) - len(MESSAGE)]
    check("... with both gateways' Received fields, B's first",
          re.search(rb"Received: from smtp\.aaa\.com .*\r?\n?\s*by mx\.bbb\.de", trace, re.S) is not None and b"by smtp.aaa.com" in trace
          and b"with ESMTPSA" in trace, trace)

    # 4. fetchmail, the classic POP3 client, fetches it too (and deletes it from the server).
    rc = suite.path("fetchmailrc")
    box = suite.path("fetched.mbox")
    with open(rc, "w") as f:
        f.write('poll 127.0.0.20 protocol pop3 port 110 username "person2" password "pw of person 2" '
                'sslproto "TLS1.2+" no sslcertck mda "/bin/sh -c \'cat >> %s\'"\n' % box)
    os.chmod(rc, 0o600)
    out = subprocess.run(["fetchmail", "-f", rc, "--nosyslog", "--idfile", suite.path("fetchids")],
                         capture_output=True, text=True, timeout=60)
    got = open(box, "rb").read() if os.path.exists(box) else b""
    check("fetchmail fetches the message", out.returncode == 0 and b"Subject: the seed story" in got, out.stdout + out.stderr)
    pop = poplib.POP3("127.0.0.20", 110, timeout=30)
    pop.stls(context=INSECURE)
    pop.user("person2")
    pop.pass_("pw of person 2")
    check("... and it is gone from the mailbox", pop.stat()[0] == 0)
    pop.quit()


if __name__ == "__main__":
    try:
        main()
    finally:
        suite.stop_all()
    sys.exit(suite.finish(show_logs=("gateway-a", "gateway-b")))
