#!/usr/bin/env python3
"""The seed story end to end, with real processes on loopback (DESIGN: "The story the product
implements"): person1@aaa.com sends to person2@bbb.de through gateway A (smtp.aaa.com on
127.0.0.10:25); a real DNS server (dnslib) says bbb.de's best MX is down and the next one is
gateway B (mx.bbb.de on 127.0.0.20:25), which forwards to bbb.de's mailbox host (aiosmtpd).
Then: all MX of a domain down, then back, and the message arrives after a retry; a 5xx "user
unknown" from Postfix's smtp-sink that becomes an RFC 3464 bounce in the sender's mailbox (aiosmtpd,
reached through A's route for aaa.com); and smtp-sink's fault switches (4xx at RCPT, 421 after
EHLO, no reply after the final dot), each of which must keep the message queued.

Every check prints one line; the last line is "story: N passed, N failed".
Usage: story.py PATH-TO-mailgw.dll   (needs root for port 25, python3-dnslib, python3-aiosmtpd,
smtp-sink from postfix, swaks). Everything listens on 127.0.0.0/8 and stops with the script.
"""
import email
import email.policy
import mailbox
import os
import re
import subprocess
import sys

from harness import PYTHON, Suite

suite = Suite("story", sys.argv[1])
check, wait_for, wait_port, log_of = suite.check, suite.wait_for, suite.wait_port, suite.log_of

ZONE = """
$TTL 300
aaa.com.        IN MX 10 smtp.aaa.com.
smtp.aaa.com.   IN A 127.0.0.10
bbb.de.         IN MX 10 mx1.bbb.de.
bbb.de.         IN MX 20 mx.bbb.de.
mx1.bbb.de.     IN A 127.0.0.19
mx.bbb.de.      IN A 127.0.0.20
ccc.de.         IN MX 10 mx.ccc.de.
mx.ccc.de.      IN A 127.0.0.40
ddd.de.         IN MX 10 mx.ddd.de.
mx.ddd.de.      IN A 127.0.0.50
soft.de.        IN MX 10 mx.soft.de.
mx.soft.de.     IN A 127.0.0.41
busy.de.        IN MX 10 mx.busy.de.
mx.busy.de.     IN A 127.0.0.42
mute.de.        IN MX 10 mx.mute.de.
mx.mute.de.     IN A 127.0.0.43
"""
# smtp-sink refusing one command each, hard (-f, 5xx) or soft (-r, 4xx): hard-mail.de → 127.0.0.60 …
FAULTS = [(kind, command, "%s-%s.de" % (kind, name), "127.0.0.%d" % (60 + i))
          for i, (kind, (command, name)) in enumerate(
              [(k, c) for k in ("hard", "soft") for c in (("MAIL", "mail"), ("RCPT", "rcpt"), ("DATA", "data"), (".", "dot"))])]
for _, _, domain, address in FAULTS:
    ZONE += "%s. IN MX 10 mx.%s.\nmx.%s. IN A %s\n" % (domain, domain, domain, address)


def start_mailbox_host(name, address, port):
    """aiosmtpd storing everything it receives in a Maildir: a mailbox host."""
    box = suite.path(name)
    suite.start([PYTHON, "-m", "aiosmtpd", "-n", "-l", "%s:%d" % (address, port), "-c", "aiosmtpd.handlers.Mailbox", box], name)
    if not wait_port(address, port, 30):
        raise SystemExit(name + " did not start: " + log_of(name))
    return box


def messages(box):
    if not os.path.isdir(os.path.join(box, "new")):
        return []
    return [email.message_from_bytes(m.as_bytes(), policy=email.policy.default) for m in mailbox.Maildir(box, create=False)]


def start_sink(name, address, options):
    user = ["-u", "nobody"] if os.geteuid() == 0 else []  # it refuses to run as root otherwise
    suite.start(["/usr/sbin/smtp-sink", "-h", name, "-t", "30"] + user + options + ["%s:25" % address, "64"], name)
    if not wait_port(address, 25, 30):
        raise SystemExit(name + " did not start: " + log_of(name))


def start_gateway(name, address, lines):
    suite.start_gateway(name, address, 25, ["queue.retry = 2s", "delivery.connect_timeout = 3s",
                                            "delivery.command_timeout = 5s", "delivery.data_end_timeout = 5s"] + lines)


def send(to, subject):
    out = subprocess.run(["swaks", "--server", "127.0.0.10", "--port", "25", "--from", "person1@aaa.com",
                          "--to", to, "--helo", "pc.aaa.com", "--header", "Subject: " + subject,
                          "--body", "Hello from the story.\n"], capture_output=True, text=True, timeout=60)
    m = re.search(r"<- +250 2\.0\.0 Ok: queued as (\w{8})", out.stdout)
    check("A accepts mail for " + to, m, out.stdout + out.stderr)
    return m.group(1) if m else "NOQUEUE"


def a_log(pattern):
    return wait_for(lambda: re.search(pattern, log_of("gateway-a"), re.M), 60)


def main():
    dns_port = suite.start_dns(ZONE)
    dns = "dns.servers = 127.0.0.1:%d" % dns_port
    bbb_box = start_mailbox_host("bbb-mailboxes", "127.0.0.21", 2525)
    aaa_box = start_mailbox_host("aaa-mailboxes", "127.0.0.31", 2525)
    start_sink("mx.ccc.de", "127.0.0.40", ["-f", "RCPT", "-B", "550 5.1.1 <nobody@ccc.de>: Recipient address rejected: User unknown"])
    start_sink("mx.soft.de", "127.0.0.41", ["-r", "RCPT"])
    start_sink("mx.busy.de", "127.0.0.42", ["-Q", "EHLO"])
    start_sink("mx.mute.de", "127.0.0.43", ["-q", "."])
    for kind, command, domain, address in FAULTS:
        start_sink("mx." + domain, address, ["-f" if kind == "hard" else "-r", command])
    # B: MX for bbb.de, forwards to the domain's mailbox host (the seed's step 4).
    start_gateway("gateway-b", "127.0.0.20", ["hostname = mx.bbb.de", "relay.domains = bbb.de",
                                              "relay.allow = 127.0.0.1/32", "route.bbb.de = 127.0.0.21:2525", dns])
    # A: smtp.aaa.com, relays for the LAN; aaa.com's mailboxes live on its mailbox host.
    console = suite.free_port()
    start_gateway("gateway-a", "127.0.0.10", ["hostname = smtp.aaa.com", "local.domains = aaa.com",
                                              "relay.allow = 127.0.0.1/32", "route.aaa.com = 127.0.0.31:2525", dns,
                                              "console.listen = 127.0.0.1:%d" % console])

    # 0. What A's resolver says about bbb.de, from its console: the MX hosts by preference, each with its address.
    out = subprocess.run(["dotnet", suite.mailgw, "console", "--connect", "127.0.0.1:%d" % console, "-c", "dns bbb.de"],
                         capture_output=True, text=True, timeout=60)
    check("console: dns bbb.de lists the MX hosts by preference, with their addresses",
          out.returncode == 0 and re.search(r"MX of bbb\.de:\n  10 mx1\.bbb\.de\n  20 mx\.bbb\.de\n  mx1\.bbb\.de: A 127\.0\.0\.19", out.stdout),
          out.stdout + out.stderr)

    # 1. The lowest MX is down, the next one takes it; B passes it on.
    story = send("person2@bbb.de", "seed story")
    check("A skips the dead best MX", a_log(r"^.*%s: connect to mx1\.bbb\.de\[127\.0\.0\.19\]:25: connection refused" % story), log_of("gateway-a"))
    check("A delivers to mx.bbb.de", a_log(r"^.*%s: to=<person2@bbb\.de>, relay=mx\.bbb\.de\[127\.0\.0\.20\]:25, .*status=sent" % story), log_of("gateway-a"))
    got = wait_for(lambda: [m for m in messages(bbb_box) if m["Subject"] == "seed story"], 60)
    check("person2's mailbox host has the message", got, log_of("gateway-b"))
    if got:
        received = got[0].get_all("Received")
        check("both gateways are in the trace", len([r for r in received if "mx.bbb.de" in r or "smtp.aaa.com" in r]) >= 2, received)

    # 2. Every MX down, then back: delivered after a retry.
    later = send("person4@ddd.de", "after a retry")
    check("A defers while ddd.de is down", a_log(r"^.*%s: to=<person4@ddd\.de>, relay=none, .*status=deferred" % later), log_of("gateway-a"))
    ddd_box = start_mailbox_host("ddd-mx", "127.0.0.50", 25)
    check("A delivers once ddd.de is back", a_log(r"^.*%s: to=<person4@ddd\.de>, relay=mx\.ddd\.de\[127\.0\.0\.50\]:25, .*status=sent" % later), log_of("gateway-a"))
    check("the message is in ddd.de's mailbox", wait_for(lambda: [m for m in messages(ddd_box) if m["Subject"] == "after a retry"], 30))

    # 3. User unknown: a bounce in the sender's mailbox.
    unknown = send("nobody@ccc.de", "to nobody")
    check("A bounces the 5xx", a_log(r"^.*%s: to=<nobody@ccc\.de>, relay=mx\.ccc\.de\[127\.0\.0\.40\]:25, .*dsn=5\.1\.1, status=bounced \(host mx\.ccc\.de\[127\.0\.0\.40\] said: 550 5\.1\.1" % unknown), log_of("gateway-a"))
    bounce = wait_for(lambda: [m for m in messages(aaa_box) if m.get_content_type() == "multipart/report"], 60)
    check("the bounce reaches person1's mailbox", bounce, log_of("gateway-a"))
    if bounce:
        b = bounce[0]
        parts = {p.get_content_type(): p for p in b.walk()}
        status = parts.get("message/delivery-status")
        # Python parses message/delivery-status into one header block per group.
        status_text = "\n".join(block.as_string() for block in status.get_payload()) if status is not None else ""
        status_text = re.sub(r"\r?\n[ \t]+", " ", status_text)  # unfold: Python folds long fields when it writes them
        check("the bounce is an RFC 3464 report", b.get_param("report-type") == "delivery-status" and status is not None, b.as_string()[:2000])
        check("it names the recipient, the status and the diagnostic",
              "Final-Recipient: rfc822; nobody@ccc.de" in status_text and "Status: 5.1.1" in status_text
              and "Diagnostic-Code: smtp; 550 5.1.1" in status_text and "Remote-MTA: dns; mx.ccc.de" in status_text, status_text)
        check("it has the original headers", "text/rfc822-headers" in parts and "Subject: to nobody" in parts["text/rfc822-headers"].as_string())
        check("it came with the null sender", b["X-MailFrom"] in ("", "<>"), b["X-MailFrom"])

    # 4. smtp-sink's fault switches keep the mail queued.
    soft = send("someone@soft.de", "soft reject")
    check("4xx at RCPT: deferred", a_log(r"^.*%s: to=<someone@soft\.de>, .*status=deferred \(host mx\.soft\.de\[127\.0\.0\.41\] said: 450 4\.3\.0" % soft), log_of("gateway-a"))
    busy = send("someone@busy.de", "421 after EHLO")
    check("421 after EHLO: deferred", a_log(r"^.*%s: to=<someone@busy\.de>, .*status=deferred .*421" % busy), log_of("gateway-a"))
    mute = send("someone@mute.de", "no reply after the dot")
    check("no reply after the final dot: deferred, may be delivered twice",
          a_log(r"^.*%s: to=<someone@mute\.de>, .*status=deferred .*may be delivered twice" % mute), log_of("gateway-a"))
    check("none of them bounced", not re.search(r"(%s|%s|%s): sender non-delivery" % (soft, busy, mute), log_of("gateway-a")))

    # 5. A 5xx at any command bounces, a 4xx at any command defers (smtp-sink -f / -r).
    sent = [(kind, command, domain, send("someone@" + domain, kind + " " + command)) for kind, command, domain, _ in FAULTS]
    for kind, command, domain, queue_id in sent:
        word = "bounced" if kind == "hard" else "deferred"
        code = "500 5.3.0" if kind == "hard" else "450 4.3.0"
        check("%s reject at %s: %s" % (kind, command, word),
              a_log(r"^.*%s: to=<someone@%s>, .*status=%s \(host mx\.%s\[[\d.]+\] said: %s" % (queue_id, re.escape(domain), word, re.escape(domain), code)),
              log_of("gateway-a"))


if __name__ == "__main__":
    try:
        main()
    finally:
        suite.stop_all()
    sys.exit(suite.finish(show_logs=("gateway-a", "gateway-b")))
