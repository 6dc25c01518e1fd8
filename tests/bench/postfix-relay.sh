#!/usr/bin/env bash
# Private, throw-away Postfix instance used as a loopback SMTP relay for benchmarks.
#
#   postfix-relay.sh start DIR LISTEN_ADDR:PORT RELAY_ADDR:PORT   # prints the master PID
#   postfix-relay.sh stop  DIR
#
# "start" (re)creates DIR/etc/{main.cf,master.cf}, an empty queue (DIR/queue),
# DIR/data and DIR/maillog, then runs "postfix -c DIR/etc start". The instance listens
# only on LISTEN_ADDR:PORT, accepts mail from 127.0.0.0/8 for any domain and relays
# all of it to [RELAY_ADDR]:PORT: no DNS, no MX lookups, no local delivery, no chroot.
# Durability-related settings (fsync etc.) stay at Postfix defaults.
# Needs root, the Debian "postfix" package, the "postfix" user and "postdrop" group.
# The system instance (/etc/postfix) is neither used, changed nor started.
#
# Notes: with "-c", postfix(1) only logs to stderr when it is a terminal, otherwise
# to syslog, so failures look silent; we therefore log to DIR/maillog (postlogd),
# which requires DIR under maillog_file_prefixes (set in DIR/etc/main.cf). As root,
# postfix(1) accepts "-c DIR/etc" without alternate_config_directories in /etc/postfix
# (only the set-gid postdrop/postqueue would need it; they are not used here).
set -euo pipefail

MASTER=/usr/lib/postfix/sbin/master
die() { echo "postfix-relay: $*" >&2; exit 1; }
pid_of() { { tr -d ' \n' < "$1/queue/pid/master.pid"; } 2>/dev/null || true; }
# Running = the PID recorded in DIR's pid file is alive and is a Postfix master.
running() { local p; p=$(pid_of "$1"); [ -n "$p" ] && [ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$MASTER" ]; }
# PIDs in the master's process group (master calls setsid; its children inherit it).
group_pids() { ps -e -o pgid=,pid= | awk -v g="$1" '$1 == g { print $2 }'; }
accepts() { (exec 3<>"/dev/tcp/${1%:*}/${1##*:}") 2>/dev/null; }

[ $# -ge 2 ] || die "usage: $0 start DIR LISTEN_ADDR:PORT RELAY_ADDR:PORT | stop DIR"
cmd=$1
dir=$(realpath -m -- "$2")
[[ $dir =~ ^/[A-Za-z0-9._/-]+$ ]] || die "DIR must not contain spaces or special characters (postfix-script limitation)"

case $cmd in
start)
    [ $# -eq 4 ] || die "usage: $0 start DIR LISTEN_ADDR:PORT RELAY_ADDR:PORT"
    listen=$3 relay=$4
    [[ $listen =~ ^127\.[0-9.]+:[0-9]+$ ]] || die "LISTEN must be 127.x.y.z:port, got '$listen'"
    [[ $relay =~ ^127\.[0-9.]+:[0-9]+$ ]] || die "RELAY must be 127.x.y.z:port, got '$relay'"
    [ "$(id -u)" -eq 0 ] || die "must run as root"
    [ -x "$MASTER" ] && command -v postfix >/dev/null || die "Postfix not installed (apt-get install postfix)"
    getent passwd postfix >/dev/null || die "user 'postfix' (mail_owner) missing; install the Debian postfix package"
    getent group postdrop >/dev/null || die "group 'postdrop' (setgid_group) missing; install the Debian postfix package"
    ! running "$dir" || die "an instance is already running in $dir (PID $(pid_of "$dir"))"
    # Postfix binds with SO_REUSEPORT, so a busy address would not make it fail.
    ! accepts "$listen" || die "something already listens on $listen"

    mkdir -p "$dir/etc" && chmod 755 "$dir" "$dir/etc"  # daemons run as 'postfix' traverse it
    rm -rf "$dir/queue" "$dir/data" "$dir/maillog"   # fresh, empty queue on each start
    mkdir -m 755 "$dir/queue"  # postfix(1) chdirs here first; "start" creates the rest
    cat > "$dir/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
mail_owner = postfix
setgid_group = postdrop
myhostname = postfix-relay.bench.invalid
mydomain = bench.invalid
smtpd_banner = \$myhostname ESMTP Postfix (bench relay)
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
biff = no
append_dot_mydomain = no
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_peername_lookup = no
relayhost = [${relay%:*}]:${relay##*:}
smtp_dns_support_level = disabled
smtp_host_lookup = native
default_transport = smtp
relay_transport = smtp
local_transport = error:local delivery is disabled
EOF
    # service type private unpriv chroot wakeup maxproc command
    cat > "$dir/etc/master.cf" <<EOF
$listen inet n - n - - smtpd
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
    # Creates the queue directories (post-install create-missing) and starts master -w.
    postfix -c "$dir/etc" start >/dev/null 2>&1 || {
        # postfix(1) logs to stderr only if that is a tty: replay "check" under script(1).
        [ -f "$dir/maillog" ] && tail -n 20 "$dir/maillog" >&2
        script -qec "postfix -c '$dir/etc' check" /dev/null >&2 </dev/null || true
        die "'postfix -c $dir/etc start' failed (see messages above)"
    }
    for _ in $(seq 150); do
        if accepts "$listen"; then pid_of "$dir"; echo; exit 0; fi
        sleep 0.1
    done
    kill -TERM "$(pid_of "$dir")" 2>/dev/null || true
    die "Postfix started but $listen does not accept connections after 15 s (see $dir/maillog)"
    ;;
stop)
    pid=$(pid_of "$dir")
    if ! running "$dir"; then echo "postfix-relay: not running in $dir" >&2; exit 0; fi
    kill -TERM "$pid"          # what "postfix stop" does; master also terminates its children
    for _ in $(seq 150); do
        [ -z "$(group_pids "$pid")" ] && exit 0
        sleep 0.1
    done
    echo "postfix-relay: instance still running after 15 s, sending SIGKILL" >&2
    kill -KILL -- "-$pid" 2>/dev/null || true
    sleep 0.5
    [ -z "$(group_pids "$pid")" ] || die "processes of group $pid still running"
    ;;
*) die "unknown command '$cmd' (start|stop)" ;;
esac
