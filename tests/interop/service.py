#!/usr/bin/env python3
"""The Linux service (boards/raspberry-pi): the unit as systemd reads it, and the gateway as the
unit runs it.

- systemd-analyze verify finds nothing wrong with mailgw.service (its commands pointed at real
  files of this machine), and systemd-analyze security rates its exposure "OK" (under 2.0).
- With standard output a Unix socket named by JOURNAL_STREAM, as systemd sets up a service, every
  log line starts with a journald severity and carries no second time or program tag.
- When MAILGW_AOT names the NativeAOT binary: it runs under PR_SET_MDWE, the kernel's form of the
  unit's MemoryDenyWriteExecute=yes, takes a message over STARTTLS and stops cleanly on SIGTERM.
Usage: service.py PATH-TO-mailgw.dll
"""
import os
import re
import signal
import smtplib
import socket
import ssl
import subprocess
import sys

from harness import Suite

suite = Suite("service", sys.argv[1])
check = suite.check
ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
UNIT = os.path.join(ROOT, "boards", "raspberry-pi", "mailgw.service")


def wrapper():
    """The built mailgw behind an executable named mailgw, as the installed binary would be."""
    path = suite.path("mailgw")
    with open(path, "w") as f:
        f.write('#!/bin/sh\nexec dotnet "%s" "$@"\n' % suite.mailgw)
    os.chmod(path, 0o755)
    return path


def unit_checks():
    unit = suite.path("mailgw.service")
    with open(UNIT) as f:
        text = f.read().replace("/usr/local/bin/mailgw", wrapper())
    with open(unit, "w") as f:
        f.write(text)
    p = subprocess.run(["systemd-analyze", "verify", unit], capture_output=True, text=True, timeout=60)
    check("unit: systemd-analyze verify finds nothing", p.returncode == 0 and not (p.stdout + p.stderr).strip(), p.stdout + p.stderr)
    p = subprocess.run(["systemd-analyze", "security", "--offline=true", unit], capture_output=True, text=True, timeout=60)
    score = re.search(r"Overall exposure level for mailgw\.service: ([0-9.]+) (\w+)", p.stdout)
    check("unit: hardened, exposure under 2.0 (%s)" % (score.group(1) + " " + score.group(2) if score else "?"),
          score and float(score.group(1)) < 2.0 and score.group(2) == "OK", p.stdout[-2000:])


def journal_check():
    conf = suite.write_config("journal", "127.0.0.1", suite.free_port(), [])
    ours, theirs = socket.socketpair()
    st = os.fstat(theirs.fileno())
    env = dict(os.environ, JOURNAL_STREAM="%d:%d" % (st.st_dev, st.st_ino))
    p = subprocess.Popen(["dotnet", suite.mailgw, "run", "--config", conf], stdout=theirs, env=env)
    theirs.close()
    ours.settimeout(60)
    data = b""
    try:
        while b"mail leaves" not in data:
            chunk = ours.recv(4096)
            if not chunk:
                break
            data += chunk
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(60)
    lines = [l for l in data.decode().split("\n") if l]
    check("journal: every line has a severity prefix", lines and all(re.match(r"<[346]>", l) for l in lines), data)
    check("journal: no second time or program tag", not any("mailgw[" in l for l in lines), data)
    check("journal: start lines are informational", any(l.startswith("<6>listening on 127.0.0.1:") for l in lines), data)


def mdwe_check(aot):
    port = suite.free_port()
    conf = suite.write_config("aot", "127.0.0.1", port, ["relay.allow = 127.0.0.1/32",
                                                         "route.example.test = 127.0.0.1:%d" % suite.free_port()])
    launcher = ("import ctypes, os, sys\n"
                "libc = ctypes.CDLL(None, use_errno=True)\n"
                "assert libc.prctl(65, 1, 0, 0, 0) == 0, 'PR_SET_MDWE'\n"  # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN
                "os.execv(sys.argv[1], sys.argv[1:])\n")
    log = open(suite.path("aot.log"), "w")
    p = subprocess.Popen([sys.executable, "-c", launcher, aot, "run", "--config", conf], stdout=log, stderr=subprocess.STDOUT)
    suite.processes.append(p)
    up = suite.wait_port("127.0.0.1", port)
    check("mdwe: the NativeAOT gateway starts with W^X enforced", up, suite.log_of("aot"))
    if not up:
        return
    try:
        client = smtplib.SMTP("127.0.0.1", port, timeout=30)
        client.starttls(context=ssl._create_unverified_context())
        client.sendmail("cam@lan.test", ["owner@example.test"], "Subject: mdwe\r\n\r\n" + ("x" * 998 + "\r\n") * 200)
        client.quit()
        accepted = True
    except (smtplib.SMTPException, OSError) as e:
        accepted = str(e)
    check("mdwe: a message over STARTTLS is accepted", accepted is True, accepted)
    p.send_signal(signal.SIGTERM)
    check("mdwe: SIGTERM stops it cleanly", p.wait(60) == 0, suite.log_of("aot"))


def main():
    try:
        unit_checks()
        journal_check()
        aot = os.environ.get("MAILGW_AOT")
        if aot:
            mdwe_check(aot)
        else:
            print("skip mdwe: MAILGW_AOT is not set (.ci/run sets it to the NativeAOT build)", flush=True)
    finally:
        suite.stop_all()
    return suite.finish(show_logs=("journal", "aot"))


if __name__ == "__main__":
    sys.exit(main())
