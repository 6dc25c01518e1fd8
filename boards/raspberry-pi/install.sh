#!/usr/bin/env bash
# Installs MailGateway as a systemd service (Raspberry Pi OS, Debian, or any systemd Linux):
#   the binary        /usr/local/bin/mailgw
#   the configuration /etc/mailgw/mailgw.conf (from board.conf beside this script, with a random
#                     console.password; an existing file is never overwritten), root:mailgw 0660 in
#                     a folder root:mailgw 0770, so the console's "save" can replace it
#   the spool         /var/lib/mailgw (the unit's StateDirectory), mailgw:mailgw 0700
#   the unit          /etc/systemd/system/mailgw.service, enabled and started
#   sendmail          /usr/sbin/sendmail -> mailgw, when no other sendmail is installed
#   serial            /usr/local/lib/libSystem.IO.Ports.Native.so, when published beside the binary
# and a system user "mailgw". Run as root:
#   sudo boards/raspberry-pi/install.sh --binary out/mailgw
# Options: --binary PATH (default: ./mailgw), --no-start (install, but neither enable nor start),
# --root DIR (stage everything under DIR and touch nothing else: no user, no systemctl; for
# packaging and the tests). uninstall.sh undoes it and keeps the mail unless told --purge.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary=./mailgw
root=
start=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="${2:?--binary needs a path}"; shift 2 ;;
    --root) root="${2:?--root needs a folder}"; shift 2 ;;
    --no-start) start=no; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
[ -x "$binary" ] || { echo "install.sh: $binary is not an executable mailgw (publish it first: see README.md)" >&2; exit 2; }
if [ -z "$root" ] && [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: run it as root (sudo), or with --root DIR to stage the files" >&2
  exit 2
fi

say() { echo "install.sh: $*"; }

install -D -m 0755 "$binary" "$root/usr/local/bin/mailgw"
say "mailgw $("$root/usr/local/bin/mailgw" --version) in /usr/local/bin"
# System.IO.Ports' native part (console.serial), published beside the NativeAOT binary.
ports="$(dirname "$binary")/libSystem.IO.Ports.Native.so"
if [ -f "$ports" ]; then
  install -D -m 0644 "$ports" "$root/usr/local/lib/libSystem.IO.Ports.Native.so"
  [ -n "$root" ] || ldconfig
  say "libSystem.IO.Ports.Native.so in /usr/local/lib (for console.serial)"
fi

if [ -z "$root" ] && ! getent passwd mailgw >/dev/null; then
  useradd --system --user-group --home-dir /var/lib/mailgw --no-create-home --shell /usr/sbin/nologin mailgw
  say "system user mailgw created"
fi

conf="$root/etc/mailgw/mailgw.conf"
if [ -e "$conf" ]; then
  say "$conf exists: kept as it is"
else
  install -d -m 0770 "$root/etc/mailgw"
  [ -n "$root" ] || chown root:mailgw "$root/etc/mailgw"
  password="$(head -c 18 /dev/urandom | base64 | tr -d '/+=' )"
  sed "s|^#console.password = (set by install.sh)|console.password = $password|" "$here/board.conf" > "$conf.new"
  chmod 0660 "$conf.new"
  [ -n "$root" ] || chown root:mailgw "$conf.new"
  mv "$conf.new" "$conf"
  say "$conf written (console.password set; edit hostname, relay.allow and the smarthost)"
fi

install -d -m 0700 "$root/var/lib/mailgw"
[ -n "$root" ] || chown mailgw:mailgw "$root/var/lib/mailgw"

install -D -m 0644 "$here/mailgw.service" "$root/etc/systemd/system/mailgw.service"

if [ ! -e "$root/usr/sbin/sendmail" ] && [ ! -L "$root/usr/sbin/sendmail" ]; then
  install -d -m 0755 "$root/usr/sbin"
  ln -s /usr/local/bin/mailgw "$root/usr/sbin/sendmail"
  say "/usr/sbin/sendmail now hands mail to mailgw"
else
  say "/usr/sbin/sendmail belongs to another mail system: left alone"
fi

"$root/usr/local/bin/mailgw" check-config "$conf"

if [ -z "$root" ] && [ "$start" = yes ]; then
  systemctl daemon-reload
  systemctl enable --now mailgw
  systemctl --no-pager --lines=5 status mailgw || true
  say "running; look after it with: sudo mailgw console --config $conf (or mailgw queue)"
else
  say "installed, not started"
fi
