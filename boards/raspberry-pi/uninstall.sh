#!/usr/bin/env bash
# Removes what install.sh put in place: stops and disables the service, and removes the unit, the
# binary and the sendmail link (only if it points to mailgw). The configuration (/etc/mailgw) and
# the mail (/var/lib/mailgw: the queue and the mailboxes) stay unless --purge is given, which also
# removes the system user. --root DIR works on a staged tree, as install.sh's does.
#   sudo boards/raspberry-pi/uninstall.sh [--purge]
set -euo pipefail
root=
purge=no
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root="${2:?--root needs a folder}"; shift 2 ;;
    --purge) purge=yes; shift ;;
    -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "uninstall.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
if [ -z "$root" ] && [ "$(id -u)" -ne 0 ]; then
  echo "uninstall.sh: run it as root (sudo), or with --root DIR" >&2
  exit 2
fi
say() { echo "uninstall.sh: $*"; }

if [ -z "$root" ] && systemctl list-unit-files mailgw.service >/dev/null 2>&1; then
  systemctl disable --now mailgw || true
fi
rm -f "$root/etc/systemd/system/mailgw.service"
[ -n "$root" ] || systemctl daemon-reload || true
if [ -L "$root/usr/sbin/sendmail" ] && [ "$(readlink "$root/usr/sbin/sendmail")" = /usr/local/bin/mailgw ]; then
  rm -f "$root/usr/sbin/sendmail"
fi
rm -f "$root/usr/local/bin/mailgw" "$root/usr/local/lib/libSystem.IO.Ports.Native.so"
say "service, binary and sendmail link removed"

if [ "$purge" = yes ]; then
  rm -rf "$root/etc/mailgw" "$root/var/lib/mailgw"
  if [ -z "$root" ] && getent passwd mailgw >/dev/null; then userdel mailgw; fi
  say "configuration, queue and mailboxes removed"
else
  say "kept: $root/etc/mailgw (configuration) and $root/var/lib/mailgw (queue and mailboxes); --purge removes them"
fi
