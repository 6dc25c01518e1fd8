#!/usr/bin/env python3
"""The Linux service (boards/raspberry-pi): the unit as systemd reads it, and the gateway as the
unit runs it.

- systemd-analyze verify finds nothing wrong with mailgw.service (its commands pointed at real
  files of this machine), and systemd-analyze security rates its exposure "OK" (under 2.0).
- With standard output a Unix socket named by JOURNAL_STREAM, as systemd sets up a service, every
  log line starts with a journald severity and carries no second time or program tag.
- The console on the terminal of `mailgw run` (a pseudo-terminal here) and on a serial line
  (console.serial on the other end of a pseudo-terminal pair, with console.password).
- When MAILGW_AOT names the NativeAOT binary: it runs under PR_SET_MDWE, the kernel's form of the
  unit's MemoryDenyWriteExecute=yes, takes a message over STARTTLS and stops cleanly on SIGTERM;
  and copied alone, without System.IO.Ports' native library, a console.serial it cannot open is
  logged and the gateway serves on.
Usage: service.py PATH-TO-mailgw.dll
"""
import os
import pty
import re
import select
import signal
import smtplib
import socket
import ssl
import shutil
import subprocess
import sys
import time
import tty

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


def read_until(fd, token, seconds=30):
    data = b""
    end = time.time() + seconds
    while token not in data and time.time() < end:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    return data


def terminal_check():
    conf = suite.write_config("terminal", "127.0.0.1", suite.free_port(), [])
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("dotnet", ["dotnet", suite.mailgw, "run", "--config", conf])
    try:
        greeting = read_until(fd, b"mailgw> ", 60)
        check("terminal: mailgw run in the foreground of a terminal gives a console", b"MailGateway console on" in greeting, greeting)
        os.write(fd, b"status\n")
        status = read_until(fd, b"last warning:")
        check("terminal: status answers", b"listening: 127.0.0.1:" in status, status)
        os.write(fd, b"quit\n")
        check("terminal: quit ends the session", b"bye" in read_until(fd, b"bye"))
        os.write(fd, b"\n")
        check("terminal: the next line opens a new one", b"mailgw> " in read_until(fd, b"mailgw> "))
    finally:
        os.kill(pid, signal.SIGTERM)
        _, status = os.waitpid(pid, 0)
    check("terminal: SIGTERM stops it cleanly", os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status)


def serial_check(command, name, expect_console=True):
    master, slave = os.openpty()
    tty.setraw(master)
    conf = suite.write_config(name, "127.0.0.1", suite.free_port(),
                              ["console.serial = %s, 115200" % os.ttyname(slave), "console.password = serial pass 9"])
    p = suite.start(command + ["run", "--config", conf], name)
    try:
        if not expect_console:
            logged = suite.wait_for(lambda: "warning: console.serial" in suite.log_of(name), 60)
            check("serial: %s: a port it cannot open is logged" % name, logged and "libSystem.IO.Ports.Native.so" in suite.log_of(name),
                  suite.log_of(name))
            check("serial: %s: and the gateway serves on" % name, p.poll() is None and re.search(r"listening on 127\.0\.0\.1:\d+ \(SMTP\)", suite.log_of(name)),
                  suite.log_of(name))
            return
        asked = read_until(master, b"password: ", 60)
        check("serial: %s: asks for console.password" % name, asked.endswith(b"password: "), asked)
        os.write(master, b"serial pass 9\r\n")
        check("serial: %s: the right one gives the prompt" % name, read_until(master, b"mailgw> ").endswith(b"mailgw> "))
        os.write(master, b"queue\r\n")
        check("serial: %s: commands answer" % name, b"The queue is empty." in read_until(master, b"The queue is empty."))
    finally:
        p.send_signal(signal.SIGTERM)
        check("serial: %s: SIGTERM stops it cleanly" % name, p.wait(60) == 0, suite.log_of(name))
        os.close(master)
        os.close(slave)


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
        terminal_check()
        serial_check(["dotnet", suite.mailgw], "serial")
        aot = os.environ.get("MAILGW_AOT")
        if aot:
            mdwe_check(aot)
            if os.path.exists(os.path.join(os.path.dirname(aot), "libSystem.IO.Ports.Native.so")):
                serial_check([aot], "serial-aot")
            alone = suite.path("alone")
            os.makedirs(alone)
            shutil.copy(aot, alone)
            serial_check([os.path.join(alone, os.path.basename(aot))], "serial-aot-alone", expect_console=False)
        else:
            print("skip mdwe: MAILGW_AOT is not set (.ci/run sets it to the NativeAOT build)", flush=True)
    finally:
        suite.stop_all()
    return suite.finish(show_logs=("aot", "serial", "serial-aot", "serial-aot-alone"))


if __name__ == "__main__":
    sys.exit(main())
