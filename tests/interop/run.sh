#!/usr/bin/env bash
# Runs the interop suite: builds mailgw, then real clients (swaks, curl, Python's smtplib) against
# it on loopback, then the seed story with two gateways, a DNS server, aiosmtpd and smtp-sink,
# then relaying through a smarthost that demands TLS and AUTH, then the mail-host story (AUTH,
# MX, local mailbox, POP3 with poplib and fetchmail), then field conditions (camera snapshots
# through smtp-sink, the corpus through every tool, kill -9 under load), then the Linux service
# (systemd-analyze on the unit, journald's log stream, and with MAILGW_AOT the NativeAOT build
# under the unit's MemoryDenyWriteExecute).
# Needs: the .NET 10 SDK, swaks, curl, openssl, fetchmail, python3-dnslib, python3-aiosmtpd, postfix,
# systemd (.ci/run installs them).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
dotnet build "$root/host-emulator/MailGateway.Emulator" -c Release -o "$out" -nologo -v quiet
python3 "$here/interop.py" "$out/mailgw.dll"
# Debian's python3: the story uses python3-dnslib and python3-aiosmtpd from apt.
py=/usr/bin/python3; [ -x "$py" ] || py=python3
"$py" "$here/story.py" "$out/mailgw.dll"
"$py" "$here/smarthost.py" "$out/mailgw.dll"
"$py" "$here/mailhost.py" "$out/mailgw.dll"
"$py" "$here/field.py" "$out/mailgw.dll"
"$py" "$here/service.py" "$out/mailgw.dll"
