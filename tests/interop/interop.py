#!/usr/bin/env python3
"""Interop suite: real, independent SMTP clients against a real mailgw process on loopback.

Clients: swaks, curl (smtp://) and Python's smtplib, each the way a LAN device or a script would
use it. The gateway listens on 127.0.0.1 and trusts only 127.0.0.1; a client bound to 127.0.0.2
is a stranger. Every check prints one line; the last line is "interop: N passed, N failed".
Usage: interop.py PATH-TO-mailgw.dll
"""
import os
import re
import smtplib
import socket
import ssl
import subprocess
import sys

from harness import Suite

suite = Suite("interop", sys.argv[1])
check = suite.check
SPOOL = suite.path("mailgw-spool")  # where Suite.start_gateway puts it
PORT = suite.free_port()
POP3_PORT = suite.free_port()


def queued():
    return sorted(n for n in os.listdir(SPOOL) if n.endswith(".MSG"))


def run(argv, stdin=None):
    p = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


def start_gateway():
    # Mail stays queued: every foreign domain in this suite is example.test, routed to a loopback
    # port where nothing listens; DNS goes to a loopback port with no server, never to the
    # machine's resolver.
    return suite.start_gateway("mailgw", "127.0.0.1", PORT, [
        "hostname = gw.interop.test", "relay.allow = 127.0.0.1/32", "local.domains = aaa.test",
        "alias.postmaster = person1", "pop3.listen = 127.0.0.1:%d" % POP3_PORT,
        "limits.message_size = 64K",
        "route.example.test = 127.0.0.1:%d" % suite.free_port(), "dns.servers = 127.0.0.1:%d" % suite.free_port()],
        users=[("person1", "pw-of-person1"), ("person2", "pw-of-person2")])


def main():
    proc = start_gateway()
    try:
        # swaks from a trusted device, to a foreign domain.
        code, out = run(["swaks", "--server", "127.0.0.1", "--port", str(PORT), "--from", "cam@lan.test",
                         "--to", "owner@example.test", "--helo", "cam.lan.test", "--header", "Subject: swaks test"])
        check("swaks: trusted device relays", code == 0 and re.search(r"<- +250 2\.0\.0 Ok: queued as \w{8}", out), out)
        check("swaks: message is in the spool", len(queued()) == 1, str(queued()))

        # swaks from a stranger (127.0.0.2), to a foreign domain: refused at RCPT.
        code, out = run(["swaks", "--server", "127.0.0.1", "--port", str(PORT), "--local-interface", "127.0.0.2",
                         "--from", "x@evil.test", "--to", "victim@example.test"])
        check("swaks: stranger cannot relay", code != 0 and "554 5.7.1 <victim@example.test>: Relay access denied" in out, out)

        # swaks from a stranger to the local domain: accepted.
        code, out = run(["swaks", "--server", "127.0.0.1", "--port", str(PORT), "--local-interface", "127.0.0.2",
                         "--from", "friend@elsewhere.test", "--to", "person1@aaa.test"])
        check("swaks: stranger may mail the local domain", code == 0 and "250 2.0.0 Ok: queued as" in out, out)

        # swaks with pipelining.
        code, out = run(["swaks", "--server", "127.0.0.1", "--port", str(PORT), "--pipeline",
                         "--from", "nas@lan.test", "--to", "a@example.test,b@example.test"])
        check("swaks: pipelined transaction", code == 0 and "250 2.0.0 Ok: queued as" in out, out)

        # curl's SMTP upload, as scripts on NAS boxes do it.
        message = suite.path("curl.eml")
        with open(message, "w", newline="") as f:
            f.write("From: nas@lan.test\r\nTo: admin@example.test\r\nSubject: curl test\r\n\r\nbackup done\r\n.hidden dot line\r\n")
        code, out = run(["curl", "-sS", "--max-time", "30", "smtp://127.0.0.1:%d/nas.lan.test" % PORT,
                         "--mail-from", "nas@lan.test", "--mail-rcpt", "admin@example.test", "--upload-file", message])
        check("curl: upload accepted", code == 0, out)

        # Python's smtplib: a message, then the size limit.
        before = len(queued())
        with smtplib.SMTP("127.0.0.1", PORT, timeout=30) as s:
            s.ehlo("script.lan.test")
            check("smtplib: SIZE advertised", s.has_extn("size") and s.esmtp_features["size"] == str(64 * 1024))
            refused = s.sendmail("script@lan.test", ["ops@example.test"], "Subject: smtplib\r\n\r\nhello\r\n")
            check("smtplib: message accepted", refused == {})
            try:
                s.sendmail("script@lan.test", ["ops@example.test"], "Subject: big\r\n\r\n" + "x" * 70000 + "\r\n")
                check("smtplib: oversized message refused", False, "accepted")
            except smtplib.SMTPSenderRefused as e:
                check("smtplib: oversized message refused at MAIL (SIZE)", e.smtp_code == 552 and b"5.3.4" in e.smtp_error, str(e))
            s.noop()
        check("smtplib: one more message queued", len(queued()) == before + 1, str(queued()))

        # Local users: unknown ones are refused at RCPT; known ones fetch their mail over POP3.
        code, out = run(["swaks", "--server", "127.0.0.1", "--port", str(PORT), "--local-interface", "127.0.0.2",
                         "--from", "friend@elsewhere.test", "--to", "nobody@aaa.test"])
        check("swaks: unknown local user refused at RCPT", code != 0 and "550 5.1.1 <nobody@aaa.test>" in out, out)

        insecure = ssl.create_default_context()
        insecure.check_hostname = False
        insecure.verify_mode = ssl.CERT_NONE  # the gateway's own self-signed certificate
        with smtplib.SMTP("127.0.0.1", PORT, timeout=30, source_address=("127.0.0.2", 0)) as s:
            s.ehlo("laptop.outside.test")
            check("smtplib: no AUTH offered before STARTTLS", not s.has_extn("auth") and s.has_extn("starttls"))
            s.starttls(context=insecure)
            s.ehlo("laptop.outside.test")
            check("smtplib: AUTH offered after STARTTLS", s.has_extn("auth") and "PLAIN" in s.esmtp_features["auth"])
            try:
                s.login("person2", "wrong")
                check("smtplib: wrong password refused", False, "accepted")
            except smtplib.SMTPAuthenticationError as e:
                check("smtplib: wrong password refused with 535", e.smtp_code == 535, str(e))
            s.login("person2", "pw-of-person2")
            refused = s.sendmail("person2@aaa.test", ["far@example.test"], "Subject: via auth\r\n\r\nrelayed after login\r\n")
            check("smtplib: an authenticated stranger may relay", refused == {})

        import poplib
        pop = poplib.POP3("127.0.0.1", POP3_PORT, timeout=30)
        check("poplib: greeting", pop.getwelcome().startswith(b"+OK"))
        pop.stls(context=insecure)
        try:
            pop.user("person1")
            pop.pass_("nope")
            check("poplib: wrong password refused", False, "accepted")
        except poplib.error_proto as e:
            check("poplib: wrong password refused", b"[AUTH]" in e.args[0], e.args)
        pop.quit()
        pop = poplib.POP3("127.0.0.1", POP3_PORT, timeout=30)
        pop.stls(context=insecure)
        pop.user("person1")
        pop.pass_("pw-of-person1")
        count, size = pop.stat()
        check("poplib: person1 has the stranger's message", count == 1, (count, size))
        if count:
            lines = pop.retr(1)[1]
            text = b"\r\n".join(lines)
            check("poplib: RETR returns it with trace fields", b"Delivered-To: person1@aaa.test" in text and b"Received: from " in text, text[:500])
            pop.dele(1)
        pop.quit()
        pop = poplib.POP3("127.0.0.1", POP3_PORT, timeout=30)
        pop.stls(context=insecure)
        pop.user("person1")
        pop.pass_("pw-of-person1")
        check("poplib: deleted at QUIT", pop.stat()[0] == 0)
        pop.quit()

        # Raw socket: a bare LF (SMTP smuggling) is refused and the connection closed.
        before = len(queued())
        with socket.create_connection(("127.0.0.1", PORT), timeout=30) as c:
            c.sendall(b"EHLO raw.test\r\nMAIL FROM:<a@lan.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n"
                      b"Subject: x\r\n\r\nhi\n.\r\nMAIL FROM:<bank@bank.test>\r\n")
            data = b""
            while True:
                chunk = c.recv(4096)
                if not chunk:
                    break
                data += chunk
        check("raw: bare LF gets 521 and close", data.rstrip().split(b"\r\n")[-1].startswith(b"521 5.5.2"), data.decode())
        check("raw: nothing of it queued", len(queued()) == before)

        # The trace field is in the queue file (records keep the body's bytes as they are).
        with open(os.path.join(SPOOL, queued()[0]), "rb") as f:
            check("spool: Received field written", b"Received: from cam.lan.test" in f.read())
    finally:
        codes = suite.stop_all()  # SIGTERM, then wait
        check("SIGTERM: clean stop", codes == [0], "exit codes %s" % codes)
        log = suite.log_of("mailgw")
        check("log: Postfix-style lines", re.search(r"\w{8}: from=<cam@lan.test>, size=\d+, nrcpt=1 \(queue active\)", log)
              and "NOQUEUE: reject: RCPT from unknown[127.0.0.2]: 554 5.7.1" in log, log)
    return suite.finish(show_logs=("mailgw",))


if __name__ == "__main__":
    sys.exit(main())
