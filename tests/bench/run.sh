#!/usr/bin/env bash
# The benchmark: the released gateway (NativeAOT) beside Postfix, under the same loads, in one run.
#
#   tests/bench/run.sh            the full run (about 10 minutes), written to tests/bench/RESULTS.md
#   tests/bench/run.sh --quick    a fifth of the messages, for a first look (printed only)
#
# Builds the gateway as it is released (dotnet publish -r linux-<arch>, NativeAOT) and the bench
# (mailgw-bench), then runs it: Postfix comes from the Debian package as a private loopback relay
# (postfix-relay.sh, started and stopped for each load; never the system's own instance), and
# needs root. storage-floor.c (built with cc) measures what a spool's file work costs in plain C.
# Everything listens on 127.0.0.61-64 only. See tests/bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

case "$(uname -m)" in
  x86_64) rid=linux-x64 ;;
  aarch64) rid=linux-arm64 ;;
  *) echo "run.sh: no NativeAOT build for $(uname -m)" >&2; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "run.sh: Postfix's private instance needs root" >&2; exit 2; }
command -v /usr/sbin/postfix >/dev/null || { echo "run.sh: install Postfix first (apt-get install postfix)" >&2; exit 2; }

build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
dotnet publish host-emulator/MailGateway.Emulator -c Release -r "$rid" -o "$build/mailgw" -nologo -v quiet
dotnet build tests/bench/MailGateway.Bench -c Release -nologo -v quiet
cc -O2 -pthread -o "$build/storage-floor" tests/bench/storage-floor.c

out=()
[[ " $* " == *" --quick "* ]] || out=(--out tests/bench/RESULTS.md)
dotnet tests/bench/MailGateway.Bench/bin/Release/net10.0/mailgw-bench.dll \
  --mailgw "$build/mailgw/mailgw" --postfix-script tests/bench/postfix-relay.sh \
  --storage-floor "$build/storage-floor" "${out[@]}" "$@"
