#!/usr/bin/env python3
"""Relaying through a provider's smarthost, as most home users must (their ISP blocks port 25):
real mailgw processes against a real SMTP server (aiosmtpd) that demands TLS and AUTH, the way
providers' submission ports do.

  - port 587 style: STARTTLS, then AUTH PLAIN/LOGIN; the message arrives, sent over TLS by the
    authenticated account;
  - port 465 style: implicit TLS from the first byte;
  - a wrong password keeps the mail queued (deferred), it is never bounced;
  - relay.smarthost_verify = yes against an untrusted (self-signed) certificate refuses to talk
    and keeps the mail queued.

Every check prints one line; the last line is "smarthost: N passed, N failed".
Usage: smarthost.py PATH-TO-mailgw.dll  (needs python3-aiosmtpd, openssl, swaks; root for port 25).
Everything listens on 127.0.0.0/8 and stops with the script.
"""
import re
import ssl
import subprocess
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from harness import Suite

suite = Suite("smarthost", sys.argv[1])
check, wait_for, log_of = suite.check, suite.wait_for, suite.log_of
USER, PASSWORD = "box@provider.test", "s3cret#word"
received = []


class Provider:
    """The smarthost: stores what arrives with how it arrived (TLS? which login?)."""

    async def handle_DATA(self, server, session, envelope):
        received.append({
            "from": envelope.mail_from, "to": list(envelope.rcpt_tos), "data": envelope.content,
            # session.ssl is set by STARTTLS; on the implicit-TLS port the transport itself is TLS.
            "tls": session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None,
            "login": session.auth_data.login if isinstance(session.auth_data, LoginPassword) else None,
        })
        return "250 2.0.0 Ok: queued at the provider"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


def tls_context():
    key, cert = suite.path("key.pem"), suite.path("cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=smtp.provider.test",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def start_gateway(name, address, lines):
    # All mail goes to the smarthost; DNS is never asked (a loopback port with no server).
    suite.start_gateway(name, address, 25, ["queue.retry = 2s", "delivery.connect_timeout = 3s",
                                            "delivery.command_timeout = 5s", "dns.servers = 127.0.0.1:9"] + lines)


def send(gateway_address, subject):
    out = subprocess.run(["swaks", "--server", gateway_address, "--port", "25", "--from", "printer@lan.test",
                          "--to", "someone@example.test", "--header", "Subject: " + subject],
                         capture_output=True, text=True, timeout=60)
    m = re.search(r"<- +250 2\.0\.0 Ok: queued as (\w{8})", out.stdout)
    check("gateway at %s accepts the message" % gateway_address, m, out.stdout + out.stderr)
    return m.group(1) if m else "NOQUEUE"


def arrived(subject):
    return [r for r in received if ("Subject: " + subject).encode() in r["data"]]


def main():
    context = tls_context()
    submission = Controller(Provider(), hostname="127.0.0.70", port=2587, tls_context=context, require_starttls=True,
                            auth_required=True, auth_require_tls=True, authenticator=authenticator)
    implicit = Controller(Provider(), hostname="127.0.0.71", port=2465, ssl_context=context,
                          auth_required=True, auth_require_tls=False, authenticator=authenticator)
    submission.start()
    implicit.start()
    try:
        common = ["relay.smarthost_user = " + USER]
        start_gateway("starttls", "127.0.0.12", common + ["relay.smarthost = 127.0.0.70:2587", "relay.smarthost_tls = starttls",
                                                          "relay.smarthost_verify = no", "relay.smarthost_password = " + PASSWORD])
        start_gateway("implicit", "127.0.0.13", common + ["relay.smarthost = 127.0.0.71:2465", "relay.smarthost_tls = implicit",
                                                          "relay.smarthost_verify = no", "relay.smarthost_password = " + PASSWORD])
        start_gateway("badpass", "127.0.0.14", common + ["relay.smarthost = 127.0.0.70:2587", "relay.smarthost_verify = no",
                                                         "relay.smarthost_password = wrong"])
        start_gateway("verify", "127.0.0.15", common + ["relay.smarthost = 127.0.0.70:2587", "relay.smarthost_verify = yes",
                                                        "relay.smarthost_password = " + PASSWORD])

        id1 = send("127.0.0.12", "via STARTTLS")
        got = wait_for(lambda: arrived("via STARTTLS"), 60)
        check("STARTTLS + AUTH: the provider has it", got, log_of("starttls"))
        if got:
            check("... sent over TLS by the account", got[0]["tls"] and got[0]["login"] == USER.encode(), {k: v for k, v in got[0].items() if k != "data"})
            check("... with the envelope kept", got[0]["from"] == "printer@lan.test" and got[0]["to"] == ["someone@example.test"], got[0])
        check("... logged as sent through the smarthost",
              wait_for(lambda: re.search(r"%s: to=<someone@example\.test>, relay=127\.0\.0\.70\[127\.0\.0\.70\]:2587, .*status=sent" % id1, log_of("starttls")), 30),
              log_of("starttls"))
        check("... and the TLS session logged", re.search(r"%s: TLS connection established to 127\.0\.0\.70\[127\.0\.0\.70\]:2587: Untrusted TLS" % id1, log_of("starttls")),
              log_of("starttls"))

        send("127.0.0.13", "via implicit TLS")
        got = wait_for(lambda: arrived("via implicit TLS"), 60)
        check("implicit TLS + AUTH: the provider has it", got and got[0]["tls"] and got[0]["login"] == USER.encode(),
          [{k: v for k, v in g.items() if k != "data"} for g in (got or [])])

        id3 = send("127.0.0.14", "with a wrong password")
        check("a wrong password defers",
              wait_for(lambda: re.search(r"%s: to=<someone@example\.test>, .*status=deferred .*535" % id3, log_of("badpass")), 60),
              log_of("badpass"))
        check("... and never bounces", not re.search(r"%s: sender non-delivery" % id3, log_of("badpass")))
        check("... and nothing arrived", not arrived("with a wrong password"))

        id4 = send("127.0.0.15", "to an untrusted certificate")
        check("an untrusted certificate with verify = yes defers",
              wait_for(lambda: re.search(r"%s: to=<someone@example\.test>, .*status=deferred" % id4, log_of("verify")), 60),
              log_of("verify"))
        check("... saying why", re.search(r"certificate not trusted", log_of("verify")), log_of("verify"))
        check("... and nothing arrived", not arrived("to an untrusted certificate"))
    finally:
        suite.stop_all()
        submission.stop()
        implicit.stop()


if __name__ == "__main__":
    main()
    sys.exit(suite.finish(show_logs=("starttls", "implicit", "badpass", "verify")))
