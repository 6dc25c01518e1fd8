"""What the interop scripts share: a work folder, checks that print one line each and a closing
"<suite>: N passed, N failed" line, bounded waits, child processes (each with its own log file,
all stopped by PID at the end), real mailgw processes started (and started again) from a
configuration, and a delivered message without the trace fields added on the way.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time


HERE = os.path.dirname(os.path.abspath(__file__))
ZONE_SERVER = os.path.join(HERE, "..", "MailGateway.Tests", "Dns", "zone_server.py")
# Debian's python3: the helpers use python3-dnslib and python3-aiosmtpd from apt.
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"


TRACE_FIELDS = (b"received:", b"return-path:", b"delivered-to:")


def strip_trace(raw):
    """The message without the trace fields put on top of it on the way (RFC 5321 §4.4):
    Received, Return-Path and Delivered-To, each possibly folded. Lines may end in CRLF or LF."""
    at = 0
    while raw[at:at + 16].lower().startswith(TRACE_FIELDS):
        at = field_end(raw, at)
    return raw[at:]


def field_end(raw, at):
    """The offset after the header field that starts at `at`, its folded lines included."""
    while True:
        lf = raw.find(b"\n", at)
        if lf < 0:
            return len(raw)
        at = lf + 1
        if raw[at:at + 1] not in (b" ", b"\t"):
            return at


class Suite:
    def __init__(self, name, mailgw):
        self.name = name
        self.mailgw = mailgw
        self.work = tempfile.mkdtemp(prefix="mailgw-%s-" % name)
        self.results = []
        self.processes = []

    # ---- checks and waits -------------------------------------------------------------------

    def check(self, title, condition, detail=""):
        self.results.append(bool(condition))
        print(("ok   " if condition else "FAIL ") + title + ("" if condition else ": " + str(detail)[-3000:]), flush=True)
        return condition

    @staticmethod
    def wait_for(predicate, seconds=60):
        deadline = time.time() + seconds
        while time.time() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.2)
        return None

    @staticmethod
    def wait_port(host, port, seconds=60):
        def up():
            try:
                socket.create_connection((host, port), timeout=1).close()
                return True
            except OSError:
                return False
        return Suite.wait_for(up, seconds)

    @staticmethod
    def free_port():
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        return port

    # ---- processes ----------------------------------------------------------------------------

    def path(self, name):
        return os.path.join(self.work, name)

    def log_of(self, name):
        with open(self.path(name + ".log")) as f:
            return f.read()

    def start(self, argv, name):
        """A child process whose output goes to <name>.log; its standard input stays open."""
        log = open(self.path(name + ".log"), "w")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.PIPE)
        self.processes.append(p)
        return p

    def start_dns(self, zone_text):
        """The tests' zone server (dnslib) on 127.0.0.1 and an ephemeral port; returns the port."""
        zone = self.path("zone.txt")
        with open(zone, "w") as f:
            f.write(zone_text)
        self.start([PYTHON, ZONE_SERVER, "--zone", zone, "--port", "0", "--max-seconds", "900"], "dns")
        ready = self.wait_for(lambda: re.search(r"READY (\d+)", self.log_of("dns")), 30)
        if not ready:
            raise SystemExit("zone server did not start: " + self.log_of("dns"))
        return int(ready.group(1))

    def start_gateway(self, name, address, port, lines, users=()):
        """mailgw run with its spool in the work folder and the given configuration lines; users
        (name, password) are added first with `mailgw user add`, as an administrator would."""
        conf = self.write_config(name, address, port, lines)
        for user, password in users:
            self.add_user(conf, user, password)
        return self.run_gateway(conf, name)

    def write_config(self, name, address, port, lines):
        """<name>.conf listening on address:port with its spool in <name>-spool; returns its path."""
        conf = self.path(name + ".conf")
        with open(conf, "w") as f:
            f.write("smtp.listen = %s:%d\n" % (address, port))
            f.write("spool.dir = %s\n" % self.path(name + "-spool"))
            for line in lines:
                f.write(line + "\n")
        return conf

    def add_user(self, conf, user, password, iterations=None):
        """`mailgw user add` (password on standard input); iterations: PBKDF2 rounds when not the
        host's default (scripts that add a hundred users pass the device's cheaper setting)."""
        extra = ["--iterations", str(iterations)] if iterations else []
        added = subprocess.run(["dotnet", self.mailgw, "user", "add", user, "--config", conf] + extra,
                               input=password + "\n", capture_output=True, text=True, timeout=60)
        if added.returncode != 0:
            raise SystemExit("mailgw user add %s failed: %s" % (user, added.stdout + added.stderr))

    def run_gateway(self, conf, name):
        """mailgw run --config conf, its output in <name>.log; returns once it listens. Starting a
        configuration again (after a crash) reuses its spool."""
        p = self.start(["dotnet", self.mailgw, "run", "--config", conf], name)
        if not self.wait_for(lambda: re.search(r": listening on ", self.log_of(name)), 60):
            raise SystemExit(name + " did not start: " + self.log_of(name))
        return p

    def stop_all(self):
        for p in reversed(self.processes):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        codes = []
        for p in self.processes:
            try:
                codes.append(p.wait(timeout=20))
            except subprocess.TimeoutExpired:
                p.kill()
                codes.append(p.wait())
        return codes

    def finish(self, show_logs=()):
        """Prints the closing line (and the named logs when something failed); returns the exit code."""
        failed = self.results.count(False)
        if failed:
            for name in show_logs:
                if os.path.exists(self.path(name + ".log")):
                    print("---- %s log (tail)\n%s" % (name, "".join(open(self.path(name + ".log")).readlines()[-60:])))
        shutil.rmtree(self.work, ignore_errors=True)
        print("%s: %d passed, %d failed" % (self.name, self.results.count(True), failed))
        return 1 if failed or not self.results else 0
