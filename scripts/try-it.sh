#!/usr/bin/env bash
# try-it.sh [MILTER] -- before touching production: wire a throw-away private Postfix (and a
# private Sendmail, when scripts/install-test-deps.sh has unpacked one) on loopback to a RUNNING
# Thresher, send a clean and a GTUBE message through each, and print the SMTP reply and the
# headers as delivered. Everything lives in one temp dir and is stopped and removed on exit.
#
#   MILTER   where Thresher listens, as `thresher serve --listen` says it:
#            inet:HOST:PORT or unix:/path (default inet:127.0.0.1:11332)
# Needs root (private MTA instances), Postfix's binaries, node; for Sendmail also m4, perl and
# unshare. See docs/try-it.md.
set -euo pipefail

usage() { echo "usage: $0 [inet:HOST:PORT | unix:/path]   (default inet:127.0.0.1:11332)" >&2; exit 2; }
[ $# -le 1 ] || usage
case "${1:-}" in -h|--help) usage ;; esac
MILTER=${1:-inet:127.0.0.1:11332}
HERE=$(cd "$(dirname "$0")" && pwd)
SENDMAIL_CACHE=${THRESHER_SENDMAIL_CACHE:-/var/cache/thresher-test/sendmail}
SM_ROOT=$SENDMAIL_CACHE/root
HOSTNAME_FQ=mta.try-it.test

# ---- the milter address, in each MTA's syntax; Thresher must answer there now
if [[ $MILTER =~ ^inet:\[?([0-9A-Za-z.:-]+[0-9A-Za-z])\]?:([0-9]{1,5})$ ]]; then
  M_HOST=${BASH_REMATCH[1]} M_PORT=${BASH_REMATCH[2]}
  PF_MILTER="inet:$M_HOST:$M_PORT"
  [[ $M_HOST == *:* ]] && PF_MILTER="inet:[$M_HOST]:$M_PORT" SM_MILTER="inet6:$M_PORT@$M_HOST" || SM_MILTER="inet:$M_PORT@$M_HOST"
elif [[ $MILTER =~ ^unix:(/.+)$ ]]; then
  PF_MILTER=$MILTER SM_MILTER="local:${BASH_REMATCH[1]}"
else
  echo "try-it: '$MILTER' is not inet:HOST:PORT or unix:/path" >&2; exit 2
fi
[ "$(id -u)" = 0 ] || { echo "try-it: run as root (it starts private Postfix/Sendmail instances)" >&2; exit 2; }
command -v node >/dev/null || { echo "try-it: node not found" >&2; exit 2; }
node -e '
  const [spec] = process.argv.slice(1);
  const m = /^inet:\[?(.+?)\]?:(\d+)$/.exec(spec);
  const s = require("net").connect(m ? { host: m[1], port: Number(m[2]) } : { path: spec.slice(5) });
  s.setTimeout(3000, () => { console.error(`try-it: ${spec}: no answer within 3 s`); process.exit(1); });
  s.on("connect", () => { s.destroy(); process.exit(0); });
  s.on("error", (e) => { console.error(`try-it: nothing listens on ${spec} (${e.code}): start thresher serve first`); process.exit(1); });
' "$MILTER" || exit 1

HAVE_POSTFIX=0 HAVE_SENDMAIL=0
command -v postfix >/dev/null && command -v smtp-sink >/dev/null && HAVE_POSTFIX=1
[ -f "$SENDMAIL_CACHE/.complete" ] && command -v m4 >/dev/null && command -v perl >/dev/null &&
  command -v unshare >/dev/null && HAVE_SENDMAIL=1
[ $HAVE_POSTFIX = 1 ] || echo "try-it: no Postfix (apt-get install postfix): Postfix part skipped" >&2
[ $HAVE_SENDMAIL = 1 ] || echo "try-it: no unpacked Sendmail in $SENDMAIL_CACHE (scripts/install-test-deps.sh): Sendmail part skipped" >&2
[ $HAVE_POSTFIX = 1 ] || [ $HAVE_SENDMAIL = 1 ] || { echo "try-it: neither Postfix nor Sendmail available" >&2; exit 1; }
command -v smtp-sink >/dev/null || { echo "try-it: smtp-sink (package postfix) is needed as the next hop" >&2; exit 1; }

DIR=$(mktemp -d /tmp/thresher-try-it-XXXXXX)
chmod 755 "$DIR"
PF_STARTED=0 PIDS=()
cleanup() {
  [ $PF_STARTED = 0 ] || postfix -c "$DIR/postfix/conf" stop >/dev/null 2>&1 || true
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -n "${THRESHER_KEEP_TMP:-}" ] && echo "try-it: kept $DIR" >&2 || rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { node -e 's=require("net").createServer().listen(0,process.argv[1],()=>{console.log(s.address().port);s.close()})' "${1:-127.0.0.1}"; }
wait_port() {  # HOST PORT WHAT
  for _ in $(seq 1 300); do
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "try-it: $3 did not open $1:$2" >&2; return 1
}

# ---- the next hop: smtp-sink writes every delivered message to a file
mkdir "$DIR/dump"; chown nobody "$DIR/dump"
SINK_PORT=$(free_port)
smtp-sink -u nobody -h sink.try-it.test -d "$DIR/dump/%Y%m%d%H%M%S." "127.0.0.1:$SINK_PORT" 64 </dev/null >"$DIR/smtp-sink.log" 2>&1 &
PIDS+=($!)
wait_port 127.0.0.1 "$SINK_PORT" smtp-sink

# ---- one message through an MTA: the reply at end of DATA, then the delivered headers
send_and_show() {  # LABEL PORT KIND(clean|gtube) MTA_LOG
  local label=$1 port=$2 kind=$3 log=$4 token reply file
  token="try-it-$kind-$(date +%s%N)"
  reply=$(node -e '
    const [port, kind, token] = process.argv.slice(1);
    const gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";
    const body = kind === "gtube" ? `This is the GTUBE test string:\r\n\r\n${gtube}\r\n` : "Hi Bob,\r\nare we still on for lunch on Friday?\r\n\r\nAlice\r\n";
    const msg = ["From: Alice <alice@sender.try-it.test>", "To: Bob <bob@example.test>",
      `Subject: try-it ${kind} message`, `Date: ${new Date().toUTCString().replace("GMT", "+0000")}`,
      `Message-ID: <${token}@sender.try-it.test>`, "MIME-Version: 1.0", "Content-Type: text/plain; charset=us-ascii", "", body].join("\r\n");
    const steps = ["EHLO client.try-it.test", "MAIL FROM:<alice@sender.try-it.test>", "RCPT TO:<bob@example.test>", "DATA", msg + ".", "QUIT"];
    const s = require("net").connect(Number(port), "127.0.0.1");
    let buf = "", last = "";
    s.setTimeout(60000, () => { console.log("(no reply within 60 s)"); process.exit(0); });
    s.on("data", (d) => {
      buf += d;
      let m;
      while ((m = /^(?:\d{3}-.*\r\n)*(\d{3}) .*\r\n/.exec(buf))) {
        buf = buf.slice(m[0].length);
        const code = Number(m[1]);
        last = m[0].trim().replace(/\r\n/g, " | ");
        if (steps.length === 1) { console.log(last); process.exit(0); } // the reply to the end of DATA
        if (code >= 400) { console.log(last); process.exit(0); }
        s.write(steps.shift() + "\r\n");
      }
    });
    s.on("error", (e) => { console.log(`(connection failed: ${e.message})`); process.exit(0); });
  ' "$port" "$kind" "$token")
  echo "-- $label, $kind message: $reply"
  if [[ $reply == 4* ]]; then  # e.g. the MTA may not use the milter socket: its log says why
    sleep 0.5
    grep -iE 'warning: .*milter.*error' "$log" | tail -1 | sed 's/^/   log: /'
  fi
  [[ $reply == 250* ]] || return 0
  for _ in $(seq 1 150); do
    file=$(grep -l "$token" "$DIR"/dump/* 2>/dev/null | head -1 || true)
    [ -n "$file" ] && break
    sleep 0.1
  done
  if [ -z "$file" ]; then echo "   (not delivered to the sink within 15 s: queued? see the MTA log)"; return 0; fi
  sleep 0.2 # smtp-sink may still be writing
  echo "   headers as delivered:"
  sed -e 's/\r$//' -e '/^$/,$d' "$file" | grep -v '^X-\(Client-Addr\|Client-Proto\|Helo-Args\|Mail-Args\|Rcpt-Args\):' | sed 's/^/   | /'
}

# ---- Postfix
if [ $HAVE_POSTFIX = 1 ]; then
  PF=$DIR/postfix
  mkdir -p "$PF/conf" "$PF/spool" "$PF/data"
  chown postfix: "$PF/data"; chmod 700 "$PF/data"
  : > "$PF/maillog" # postfix logs here even before postlogd runs
  PF_PORT=$(free_port)
  cat > "$PF/conf/main.cf" <<EOF
# throw-away instance written by scripts/try-it.sh
compatibility_level = 3.6
queue_directory = $PF/spool
data_directory = $PF/data
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
syslog_name = postfix-try-it
myhostname = $HOSTNAME_FQ
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
mynetworks = 127.0.0.0/8
inet_interfaces = loopback-only
inet_protocols = ipv4
relayhost = [127.0.0.1]:$SINK_PORT
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtpd_milters = $PF_MILTER
milter_protocol = 6
# unreachable Thresher: 451, so a mistake shows instead of passing mail unscanned
milter_default_action = tempfail
EOF
  cat > "$PF/conf/master.cf" <<EOF
127.0.0.1:$PF_PORT inet n - n - - smtpd
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
EOF
  # (start runs Postfix's own sanity checks; a separate "postfix check" costs seconds more)
  postfix -c "$PF/conf" start >/dev/null 2>&1 || { cat "$PF/maillog" >&2; echo "try-it: postfix did not start" >&2; exit 1; }
  PF_STARTED=1
  wait_port 127.0.0.1 "$PF_PORT" "postfix (log: $PF/maillog)"
  echo "== Postfix $(postconf -c "$PF/conf" -h mail_version) on 127.0.0.1:$PF_PORT, smtpd_milters = $PF_MILTER"
  send_and_show Postfix "$PF_PORT" clean "$PF/maillog"
  send_and_show Postfix "$PF_PORT" gtube "$PF/maillog"
fi

# ---- Sendmail (unpacked Debian package; runs in a private mount+UTS namespace so that its host
# name is qualified and it looks names up only in a private /etc/hosts; /dev/log is ours)
if [ $HAVE_SENDMAIL = 1 ]; then
  SM=$DIR/sendmail
  mkdir -p "$SM/etc" "$SM/mqueue" "$SM/dev"; chmod 700 "$SM/mqueue"; chmod 755 "$SM"
  SM_PORT=$(free_port)
  printf '127.0.0.1\t%s %s localhost\n::1\tlocalhost\n' "$HOSTNAME_FQ" "${HOSTNAME_FQ%%.*}" > "$SM/etc/hosts"
  printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' > "$SM/etc/resolv.conf"
  printf 'hosts\tfiles\naliases\tfiles\npasswd\tfiles\n' > "$SM/etc/service.switch"
  { grep -v '^hosts:' /etc/nsswitch.conf 2>/dev/null || true; echo 'hosts: files'; } > "$SM/etc/nsswitch.conf"
  : > "$SM/etc/helpfile"; : > "$SM/maillog"
  FILTER=$(grep '^INPUT_MAIL_FILTER(' "$HERE/../examples/sendmail.mc" | sed "s|S=[^,']*|S=$SM_MILTER|")
  cat > "$SM/sendmail.mc" <<EOF
divert(-1)
# throw-away instance written by scripts/try-it.sh; the filter line is examples/sendmail.mc's
divert(0)dnl
OSTYPE(\`linux')dnl
define(\`MAIL_SETTINGS_DIR', \`$SM/etc/')dnl
undefine(\`ALIAS_FILE')dnl
define(\`HELP_FILE', \`$SM/etc/helpfile')dnl
define(\`QUEUE_DIR', \`$SM/mqueue')dnl
define(\`STATUS_FILE', \`$SM/sendmail.st')dnl
define(\`confPID_FILE', \`$SM/sendmail.pid')dnl
define(\`confDEAD_LETTER_DROP', \`$SM/dead.letter')dnl
define(\`confSERVICE_SWITCH_FILE', \`$SM/etc/service.switch')dnl
define(\`confHOSTS_FILE', \`$SM/etc/hosts')dnl
define(\`confDOMAIN_NAME', \`$HOSTNAME_FQ')dnl
define(\`confDONT_PROBE_INTERFACES', \`true')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
define(\`confDEF_USER_ID', \`mail:mail')dnl
define(\`confDELIVERY_MODE', \`interactive')dnl
define(\`confTO_IDENT', \`0s')dnl
define(\`confREFUSE_LA', \`999')dnl
define(\`confQUEUE_LA', \`999')dnl
define(\`confMILTER_LOG_LEVEL', \`9')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`no_default_msa')dnl
define(\`SMART_HOST', \`relay:[127.0.0.1]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $SINK_PORT')dnl
DAEMON_OPTIONS(\`Family=inet, Name=MTA, Port=$SM_PORT, Addr=127.0.0.1')dnl
CLIENT_OPTIONS(\`Family=inet, Addr=127.0.0.1')dnl
$FILTER
MAILER(\`local')dnl
MAILER(\`smtp')dnl
EOF
  CF_DIR=$SM_ROOT/usr/share/sendmail/cf
  m4 -D_CF_DIR_="$CF_DIR/" "$CF_DIR/m4/cf.m4" "$SM/sendmail.mc" > "$SM/sendmail.cf"
  perl -e '
    use strict; use Socket; use IO::Socket::UNIX; use IO::Handle;
    my ($path, $out) = @ARGV;
    my $s = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $path) or die "$path: $!\n";
    chmod 0666, $path;
    open(my $f, ">>", $out) or die "$out: $!\n"; $f->autoflush(1);
    my $m;
    while (defined $s->recv($m, 65536)) { $m =~ s/^<\d+>//; $m =~ s/[\0\n]+$//; print $f "$m\n"; }
  ' "$SM/dev/log" "$SM/maillog" &
  PIDS+=($!)
  for _ in $(seq 1 50); do [ -S "$SM/dev/log" ] && break; sleep 0.1; done
  unshare --mount --uts /bin/sh -ec '
    dir=$1; host=$2; shift 2
    mount --bind "$dir/etc/hosts" /etc/hosts
    [ ! -e /etc/resolv.conf ] || mount --bind "$dir/etc/resolv.conf" /etc/resolv.conf
    [ ! -e /etc/nsswitch.conf ] || mount --bind "$dir/etc/nsswitch.conf" /etc/nsswitch.conf
    for d in null zero full random urandom tty; do
      [ -e "/dev/$d" ] || continue; : > "$dir/dev/$d"; mount --bind "/dev/$d" "$dir/dev/$d"
    done
    mount --rbind "$dir/dev" /dev
    hostname "$host"
    exec "$@"' sh "$SM" "$HOSTNAME_FQ" "$SM_ROOT/usr/libexec/sendmail/sendmail" -bD -C "$SM/sendmail.cf" \
    </dev/null >"$SM/sendmail.out" 2>&1 &
  PIDS=("$!" "${PIDS[@]}")  # stopped first
  wait_port 127.0.0.1 "$SM_PORT" "sendmail (log: $SM/maillog, $SM/sendmail.out)" || { cat "$SM/sendmail.out" "$SM/maillog" >&2; exit 1; }
  echo "== Sendmail $(cat "$SENDMAIL_CACHE/VERSION") on 127.0.0.1:$SM_PORT, $FILTER"
  send_and_show Sendmail "$SM_PORT" clean "$SM/maillog"
  send_and_show Sendmail "$SM_PORT" gtube "$SM/maillog"
fi
