#!/usr/bin/env python3
"""The test corpus: mail as LAN devices and people really send it, generated the same way every
time (fixed seeds), so the repository keeps a few kilobytes of generator instead of megabytes of
attachments.

    python3 corpus.py OUTDIR        writes OUTDIR/<name>.eml and OUTDIR/index.tsv

index.tsv has one line per message: name, size in bytes, sender, recipients (comma-separated
local parts; the tests add the domain of the path they drive), and what the message is.
Every message is RFC 5322 text with CRLF line ends and no line longer than 998 octets plus CRLF,
so it can cross any SMTP server byte for byte; dot-stuffing is the client's business, not the
file's. The xunit suite (Corpus/MailCorpus.cs) and the interop suite (tests/interop) both read it.
"""
import base64
import os
import random
import sys

CRLF = "\r\n"


def b64_lines(data):
    text = base64.b64encode(data).decode("ascii")
    # RFC 2045 §6.8: encoded lines of at most 76 characters.
    return CRLF.join(text[i:i + 76] for i in range(0, len(text), 76)) + CRLF


def fake_jpeg(rng, size):
    """A JPEG as a camera makes it, for a mail gateway's purposes: SOI/APP0 marker, noise, EOI."""
    head = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return head + rng.randbytes(max(0, size - len(head) - 2)) + b"\xff\xd9"


def headers(fields):
    return "".join(name + ": " + value + CRLF for name, value in fields)


def dated(subject, sender, to, ident, extra=()):
    return [("From", sender), ("To", to), ("Subject", subject),
            ("Date", "Sun, 06 Dec 2026 07:15:%02d +0100" % (sum(map(ord, ident)) % 60)),
            ("Message-ID", "<%s@corpus.mailgw.test>" % ident), ("MIME-Version", "1.0")] + list(extra)


def camera_alert(rng, name, ident, jpeg_sizes):
    boundary = "=_cam_%d" % ident
    text = headers(dated("[Camera 2] Motion detected", "Camera 2 <cam2@lan.test>", "alerts@home.test", name,
                         [("Content-Type", 'multipart/mixed; boundary="%s"' % boundary), ("X-Mailer", "IPCam/5.2")]))
    text += CRLF + "This is a multi-part message in MIME format." + CRLF
    text += "--" + boundary + CRLF + "Content-Type: text/plain; charset=us-ascii" + CRLF + CRLF
    text += "Alarm event: Motion Detection" + CRLF + "Alarm input channel: 2" + CRLF
    text += "Alarm start time: 2026-12-06 07:15:%02d" % (ident % 60) + CRLF + CRLF
    for i, size in enumerate(jpeg_sizes):
        text += "--" + boundary + CRLF
        text += 'Content-Type: image/jpeg; name="snap%02d.jpg"' % i + CRLF
        text += "Content-Transfer-Encoding: base64" + CRLF
        text += 'Content-Disposition: attachment; filename="snap%02d.jpg"' % i + CRLF + CRLF
        text += b64_lines(fake_jpeg(rng, size))
    text += "--" + boundary + "--" + CRLF
    return text.encode("ascii")


def nas_report(rng, target_bytes):
    """A NAS's weekly report: a short text and a log attachment that makes it target_bytes long."""
    boundary = "=_nas_report"
    text = headers(dated("NAS backup report: 3 warnings", "DiskStation <nas@lan.test>", "admin@home.test", "nas-report",
                         [("Content-Type", 'multipart/mixed; boundary="%s"' % boundary)]))
    text += CRLF + "--" + boundary + CRLF + "Content-Type: text/plain; charset=utf-8" + CRLF
    text += "Content-Transfer-Encoding: 8bit" + CRLF + CRLF
    text += "Sicherung abgeschlossen – 3 Warnungen. Details im Anhang." + CRLF + CRLF
    text += "--" + boundary + CRLF + 'Content-Type: application/gzip; name="backup.log.gz"' + CRLF
    text += "Content-Transfer-Encoding: base64" + CRLF
    text += 'Content-Disposition: attachment; filename="backup.log.gz"' + CRLF + CRLF
    closing = "--" + boundary + "--" + CRLF
    head = text.encode("utf-8")
    # base64 with CRLF after 76 characters: 78 bytes per 57 input bytes.
    room = target_bytes - len(head) - len(closing)
    raw = rng.randbytes(room // 78 * 57)
    body = head + b64_lines(raw).encode("ascii")
    return body + closing.encode("ascii")


def utf8_8bit():
    text = headers([("From", "Jörg Müller <joerg@lan.test>"), ("To", "Zoë Ångström <family@home.test>"),
                    ("Subject", "Grüße aus Köln – Heizung läuft wieder ✔"),
                    ("Subject-Encoded", "=?UTF-8?B?" + base64.b64encode("Grüße".encode()).decode() + "?="),
                    ("Date", "Sun, 06 Dec 2026 08:00:00 +0100"), ("Message-ID", "<utf8@corpus.mailgw.test>"),
                    ("MIME-Version", "1.0"), ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Transfer-Encoding", "8bit")])
    body = CRLF.join([
        "Hallo zusammen,", "",
        "die Heizung läuft wieder. Außentemperatur: −3 °C, innen 21,5 °C.",
        "日本語のテキストも大丈夫です。 Ελληνικά, русский, עברית, 🙂🏠🔥",
        ".Eine Zeile mit Punkt am Anfang – und ein Euro: €", "",
        "Grüße", "Jörg", ""])
    latin1 = ("Latin-1 Nachzügler: " + "äöüß" * 10).encode("latin-1")
    return text.encode("utf-8") + CRLF.encode() + body.encode("utf-8") + latin1 + CRLF.encode()


def long_lines(rng):
    text = headers(dated("Printer status with long lines", "Printer <printer@lan.test>", "it@home.test", "long-lines",
                         [("Content-Type", "text/plain; charset=us-ascii"),
                          ("X-Long-Header", "x" * (998 - len("X-Long-Header: ")))]))
    lines = []
    for i in range(40):
        # RFC 5322 §2.1.1: at most 998 characters before CRLF; every line here has exactly that.
        fill = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789 ") for _ in range(998 - 6))
        lines.append(("%05d " % i) + fill)
    lines[7] = "." + lines[7][1:]
    return (text + CRLF + CRLF.join(lines) + CRLF).encode("ascii")


def leading_dots():
    text = headers(dated("Config dump with dots", "Home Assistant <ha@lan.test>", "admin@home.test", "leading-dots",
                         [("Content-Type", "text/plain; charset=us-ascii")]))
    lines = [".", "..", "...", ". ", ".hidden_file", "..double", "end of a sentence.", ".", "", "."]
    body = []
    for i in range(300):
        body.append(lines[i % len(lines)] + ("" if i % 3 else " line %d" % i))
    body.append(".")
    return (text + CRLF + CRLF.join(body) + CRLF).encode("ascii")


def hundred_recipients():
    # RFC 5322 §2.2.3: a long field is folded (CRLF before white space).
    to = ("," + CRLF + " ").join("user%03d@home.test" % i for i in range(1, 101))
    text = headers(dated("Newsletter to the whole house", "Newsletter <news@lan.test>", to, "hundred",
                         [("Content-Type", "text/plain; charset=us-ascii")]))
    return (text + CRLF + "One message, one hundred recipients." + CRLF).encode("ascii")


def bare_device():
    """What the cheapest devices send: no Date, no Message-ID, no MIME."""
    text = headers([("From", "ups@lan.test"), ("To", "admin@home.test"), ("Subject", "UPS on battery")])
    return (text + CRLF + "UPS: on battery power since 03:12. Runtime left: 14 min." + CRLF).encode("ascii")


def printer_scan(rng):
    boundary = "=_scan"
    text = headers(dated("Scan from MFP-3", "Scanner <scan@lan.test>", "office@home.test", "scan",
                         [("Content-Type", 'multipart/mixed; boundary="%s"' % boundary)]))
    text += CRLF + "--" + boundary + CRLF + "Content-Type: application/pdf; name=scan.pdf" + CRLF
    text += "Content-Transfer-Encoding: base64" + CRLF + CRLF
    pdf = b"%PDF-1.4\n" + rng.randbytes(480_000) + b"\n%%EOF\n"
    return text.encode("ascii") + b64_lines(pdf).encode("ascii") + ("--" + boundary + "--" + CRLF).encode("ascii")


def messages():
    """(name, sender, recipients, what, bytes) for every corpus message, in a fixed order."""
    rng = random.Random(20261206)
    yield ("camera-30k", "cam2@lan.test", ["alerts"], "camera alert, one 30 KB JPEG",
           camera_alert(rng, "camera-30k", 1, [30_000]))
    yield ("camera-60k", "cam2@lan.test", ["alerts"], "camera alert, one 60 KB JPEG",
           camera_alert(rng, "camera-60k", 2, [60_000]))
    yield ("camera-burst", "cam2@lan.test", ["alerts", "family"], "camera alert, five JPEGs of 40-400 KB",
           camera_alert(rng, "camera-burst", 3, [40_000, 120_000, 200_000, 300_000, 400_000]))
    yield ("camera-2m", "cam2@lan.test", ["alerts"], "camera alert, one 2 MB JPEG",
           camera_alert(rng, "camera-2m", 4, [2_000_000]))
    yield ("nas-10m", "nas@lan.test", ["admin"], "NAS report, 10 MiB with its log attachment",
           nas_report(rng, 10 * 1024 * 1024 - 64 * 1024))
    yield ("scan-pdf", "scan@lan.test", ["office"], "printer scan, 480 KB PDF",
           printer_scan(rng))
    yield ("utf8-8bit", "joerg@lan.test", ["family"], "8-bit UTF-8 and Latin-1 headers and body",
           utf8_8bit())
    yield ("lines-998", "printer@lan.test", ["it"], "lines of exactly 998 characters, and a header of 998",
           long_lines(rng))
    yield ("leading-dots", "ha@lan.test", ["admin"], "many lines starting with dots, a lone dot",
           leading_dots())
    yield ("hundred-rcpt", "news@lan.test", ["user%03d" % i for i in range(1, 101)], "one message to 100 recipients",
           hundred_recipients())
    yield ("bare-device", "ups@lan.test", ["admin"], "no Date, no Message-ID, no MIME",
           bare_device())


def write(outdir):
    os.makedirs(outdir, exist_ok=True)
    lines = []
    for name, sender, recipients, what, data in messages():
        assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"") and b"\r" not in data.replace(b"\r\n", b"")
        assert all(len(line) <= 998 for line in data.split(b"\r\n")), name
        with open(os.path.join(outdir, name + ".eml"), "wb") as f:
            f.write(data)
        lines.append("\t".join([name, str(len(data)), sender, ",".join(recipients), what]))
    with open(os.path.join(outdir, "index.tsv"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: corpus.py OUTDIR")
    write(sys.argv[1])
