#!/usr/bin/env bash
# Runs the interop suite: builds mailgw, then real clients (swaks, curl, Python's smtplib) against
# it on loopback. Needs: the .NET 10 SDK, swaks, curl, python3 (.ci/run installs them).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
dotnet build "$root/host-emulator/MailGateway.Emulator" -c Release -o "$out" -nologo -v quiet
python3 "$here/interop.py" "$out/mailgw.dll"
