// A private, throw-away Sendmail 8.17 for integration tests. Its files are Debian's sendmail-bin
// and sendmail-cf, unpacked (never installed: sendmail-bin conflicts with postfix) into
// SENDMAIL_CACHE by scripts/install-test-deps.sh. Per instance, under one temp dir: a sendmail.mc
// built into sendmail.cf with the cache's m4 files, the queue, a maillog, and smtp-sink's dump
// of every delivered message. It listens on 127.0.0.1 and ::1 (free ports) and filters with the
// INPUT_MAIL_FILTER line of examples/sendmail.mc, its S= pointed at the Thresher under test.
//
// Sendmail runs in a private mount and UTS namespace (unshare, as root): its host name is then
// fully qualified (with an unqualified one Sendmail sleeps 60 s at start, waiting for DNS), name
// lookups read only a private /etc/hosts, and /dev/log is a socket of ours, so its syslog lines
// land in the maillog. -bD keeps the daemon in the foreground as our child.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, requireBinary, run, waitForPort } from './proc.js';
import { startSink, type Sink } from './smtp-sink.js';

export const SENDMAIL_CACHE = process.env.THRESHER_SENDMAIL_CACHE ?? '/var/cache/thresher-test/sendmail';
const ROOT = `${SENDMAIL_CACHE}/root`;
const BIN = `${ROOT}/usr/libexec/sendmail/sendmail`;
const CF_DIR = `${ROOT}/usr/share/sendmail/cf`;
const HOSTNAME = 'mta.thresher.test';
const EXAMPLE_MC = fileURLToPath(new URL('../../../examples/sendmail.mc', import.meta.url));

export interface Quarantined {
  /** The reason the milter gave (SMFIR_QUARANTINE), as Sendmail stored it. */
  reason: string;
  recipients: string[];
}

export interface Sendmail {
  /** SMTP on 127.0.0.1. */
  readonly port: number;
  /** SMTP on ::1 (the client is then an IPv6 one). */
  readonly port6: number;
  /** The Debian package version of the unpacked sendmail-bin. */
  readonly version: string;
  readonly dir: string;
  /** The maillog so far (for failure messages). */
  log(): string;
  /** Waits until the maillog matches `pattern` and returns the log (as it is, on timeout). */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Waits for the one delivered message containing `token`; returns the raw dump file. */
  waitForDelivery(token: string, timeoutMs?: number): Promise<string>;
  /** Delivered messages containing `token` right now. */
  deliveries(token: string): string[];
  /** Messages in Sendmail's quarantine (its queue files renamed from qf* to hf*). */
  quarantined(): Quarantined[];
  stop(): Promise<void>;
}

/** The example's filter declaration, with S= pointed at `milterSpec` (libmilter syntax). */
export function filterLine(milterSpec: string): string {
  const line = readFileSync(EXAMPLE_MC, 'utf8').split('\n').find((l) => l.startsWith('INPUT_MAIL_FILTER('));
  if (line === undefined) throw new Error(`${EXAMPLE_MC} has no INPUT_MAIL_FILTER line`);
  const pointed = line.replace(/S=[^,']+/, `S=${milterSpec}`);
  if (pointed === line) throw new Error(`no S= in ${EXAMPLE_MC}: ${line}`);
  return pointed;
}

function sendmailMc(dir: string, ports: { v4: number; v6: number; sink: number }, filter: string): string {
  return `divert(-1)
# private Thresher test instance (test/integration/support/sendmail.ts)
divert(0)dnl
VERSIONID(\`thresher test instance')dnl
OSTYPE(\`linux')dnl
define(\`MAIL_SETTINGS_DIR', \`${dir}/etc/')dnl
undefine(\`ALIAS_FILE')dnl
define(\`HELP_FILE', \`${dir}/etc/helpfile')dnl
define(\`QUEUE_DIR', \`${dir}/mqueue')dnl
define(\`STATUS_FILE', \`${dir}/sendmail.st')dnl
define(\`confPID_FILE', \`${dir}/sendmail.pid')dnl
define(\`confDEAD_LETTER_DROP', \`${dir}/dead.letter')dnl
define(\`confSERVICE_SWITCH_FILE', \`${dir}/etc/service.switch')dnl
define(\`confHOSTS_FILE', \`${dir}/etc/hosts')dnl
define(\`confDOMAIN_NAME', \`${HOSTNAME}')dnl
define(\`confBIND_OPTS', \`-DNSRCH -DEFNAMES')dnl
define(\`confDONT_PROBE_INTERFACES', \`true')dnl
dnl the temp dir lies in /tmp (world-writable, sticky): trust it
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
define(\`confDEF_USER_ID', \`mail:mail')dnl
define(\`confDELIVERY_MODE', \`interactive')dnl
define(\`confTO_IDENT', \`0s')dnl
define(\`confTO_CONNECT', \`5s')dnl
define(\`confTO_ICONNECT', \`5s')dnl
dnl never refuse or queue because the test machine is busy
define(\`confQUEUE_LA', \`999')dnl
define(\`confREFUSE_LA', \`999')dnl
define(\`confDELAY_LA', \`0')dnl
define(\`confLOG_LEVEL', \`9')dnl
define(\`confMILTER_LOG_LEVEL', \`9')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
dnl the tests' recipients are all in .test: relay them for any client (127.0.0.1 is trusted anyway, ::1 is not)
RELAY_DOMAIN(\`test')dnl
FEATURE(\`no_default_msa')dnl
dnl "relay:" because [127.0.0.1] is one of our own addresses: a bare SMART_HOST would deliver locally
define(\`SMART_HOST', \`relay:[127.0.0.1]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP $h ${ports.sink}')dnl
DAEMON_OPTIONS(\`Family=inet, Name=MTA-v4, Port=${ports.v4}, Addr=127.0.0.1')dnl
DAEMON_OPTIONS(\`Family=inet6, Name=MTA-v6, Port=${ports.v6}, Addr=::1')dnl
CLIENT_OPTIONS(\`Family=inet, Addr=127.0.0.1')dnl
${filter}
MAILER(\`local')dnl
MAILER(\`smtp')dnl
`;
}

/** Run by /bin/sh inside the new namespaces: private name lookups, /dev with our log socket. */
const NAMESPACE_SETUP = String.raw`
dir=$1; host=$2; shift 2
mount --bind "$dir/etc/hosts" /etc/hosts
[ ! -e /etc/resolv.conf ] || mount --bind "$dir/etc/resolv.conf" /etc/resolv.conf
[ ! -e /etc/nsswitch.conf ] || mount --bind "$dir/etc/nsswitch.conf" /etc/nsswitch.conf
for d in null zero full random urandom tty; do
  [ -e "/dev/$d" ] || continue
  : > "$dir/dev/$d"
  mount --bind "/dev/$d" "$dir/dev/$d"
done
mount --rbind "$dir/dev" /dev
hostname "$host"
exec "$@"
`;

/** A syslog socket (what syslog(3) writes to) appending each line to a file; perl-base is essential in Debian. */
const SYSLOG_CATCHER = String.raw`
use strict; use Socket; use IO::Socket::UNIX; use IO::Handle;
my ($path, $out) = @ARGV;
my $s = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $path) or die "$path: $!\n";
chmod 0666, $path;
open(my $f, '>>', $out) or die "$out: $!\n";
$f->autoflush(1);
print STDOUT "ready\n"; STDOUT->flush;
my $m;
while (defined $s->recv($m, 65536)) { $m =~ s/^<\d+>//; $m =~ s/[\0\n]+$//; print $f "$m\n"; }
`;

function writeRunTree(dir: string): void {
  for (const d of ['etc', 'mqueue', 'dump', 'dev']) mkdirSync(`${dir}/${d}`);
  chmodSync(dir, 0o755); // smtp-sink (nobody) must reach dump/
  chmodSync(`${dir}/mqueue`, 0o700);
  writeFileSync(`${dir}/etc/hosts`, `127.0.0.1\t${HOSTNAME} ${HOSTNAME.split('.')[0]} localhost\n::1\tlocalhost ip6-localhost\n`);
  // Any DNS query left goes to loopback port 53, where nothing listens: it fails at once.
  writeFileSync(`${dir}/etc/resolv.conf`, 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n');
  writeFileSync(`${dir}/etc/service.switch`, 'hosts\tfiles\naliases\tfiles\npasswd\tfiles\n');
  const nss = existsSync('/etc/nsswitch.conf') ? readFileSync('/etc/nsswitch.conf', 'utf8').split('\n').filter((l) => !/^hosts:/.test(l)) : [];
  writeFileSync(`${dir}/etc/nsswitch.conf`, [...nss, 'hosts: files', ''].join('\n'));
  writeFileSync(`${dir}/etc/helpfile`, '');
  writeFileSync(`${dir}/maillog`, '');
}

/** Recipient and reason lines of a quarantined queue file (qf format: "q" reason, "R" recipient). */
function readQuarantine(file: string): Quarantined {
  const lines = readFileSync(file, 'latin1').split('\n');
  return {
    reason: lines.find((l) => l.startsWith('q'))?.slice(1) ?? '',
    recipients: lines.filter((l) => l.startsWith('R')).map((l) => l.slice(l.indexOf(':') + 1)),
  };
}

function alive(child: ChildProcess | null): boolean {
  return child !== null && child.exitCode === null && child.signalCode === null;
}

async function end(child: ChildProcess | null): Promise<void> {
  if (!child || !alive(child)) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  if (await Promise.race([exited.then(() => true), sleep(5000).then(() => false)])) return;
  child.kill('SIGKILL');
  await exited;
}

/** A free port was taken by someone else before our daemon bound it. */
class PortTaken extends Error {}
const START_ATTEMPTS = 3;

/** Starts smtp-sink and Sendmail, filtering through `milterSpec` (libmilter syntax: inet:PORT@HOST). */
export async function startSendmail(milterSpec: string): Promise<Sendmail> {
  if (!existsSync(BIN) || !existsSync(`${SENDMAIL_CACHE}/.complete`)) {
    throw new Error(`no unpacked Sendmail in ${SENDMAIL_CACHE}: run scripts/install-test-deps.sh (as root); integration tests never skip`);
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(milterSpec);
    } catch (err) {
      // Ports are picked free, then bound a moment later: with instances starting in
      // parallel, another one may take a port in between. Only that is retried.
      if (!(err instanceof PortTaken) || attempt === START_ATTEMPTS) throw err;
    }
  }
}

async function startOnce(milterSpec: string): Promise<Sendmail> {
  const m4 = requireBinary('m4', 'm4');
  const unshare = requireBinary('unshare', 'util-linux');
  const perl = requireBinary('perl', 'perl-base');
  const version = readFileSync(`${SENDMAIL_CACHE}/VERSION`, 'utf8').trim();
  const dir = mkdtempSync('/tmp/thresher-sendmail-');
  const log = () => (existsSync(`${dir}/maillog`) ? readFileSync(`${dir}/maillog`, 'utf8') : '');
  let sink: Sink | null = null;
  let syslog: ChildProcess | null = null;
  let daemon: ChildProcess | null = null;
  const daemonOut: string[] = [];

  const stop = async () => {
    await end(daemon);
    await sink?.stop();
    await end(syslog);
    daemon = syslog = sink = null;
    if (!process.env.THRESHER_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  };

  try {
    writeRunTree(dir);
    sink = await startSink(`${dir}/dump`);
    const ports = { v4: await freePort(), v6: await freePort('::1'), sink: sink.port };
    writeFileSync(`${dir}/sendmail.mc`, sendmailMc(dir, ports, filterLine(milterSpec)));
    const built = await run(m4, [`-D_CF_DIR_=${CF_DIR}/`, `${CF_DIR}/m4/cf.m4`, `${dir}/sendmail.mc`]);
    if (built.code !== 0 || built.stderr.trim() !== '') throw new Error(`m4 could not build sendmail.cf (${built.code}):\n${built.stderr}`);
    writeFileSync(`${dir}/sendmail.cf`, built.stdout);

    syslog = spawn(perl, ['-e', SYSLOG_CATCHER, `${dir}/dev/log`, `${dir}/maillog`], { stdio: ['ignore', 'pipe', 'pipe'] });
    const syslogOut: string[] = [];
    syslog.stderr!.on('data', (b: Buffer) => syslogOut.push(b.toString()));
    await new Promise<void>((resolve, reject) => {
      syslog!.stdout!.once('data', () => resolve());
      syslog!.once('exit', () => reject(new Error(`syslog catcher exited: ${syslogOut.join('')}`)));
    });

    daemon = spawn(unshare, ['--mount', '--uts', '/bin/sh', '-ec', NAMESPACE_SETUP, 'sh', dir, HOSTNAME, BIN, '-bD', '-C', `${dir}/sendmail.cf`],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    daemon.stdout!.on('data', (b: Buffer) => daemonOut.push(b.toString()));
    daemon.stderr!.on('data', (b: Buffer) => daemonOut.push(b.toString()));
    const dead = () => {
      if (!alive(daemon)) return `exited with ${daemon!.exitCode ?? daemon!.signalCode}: ${daemonOut.join('')}\n--- maillog ---\n${log()}`;
      // Sendmail keeps retrying a port it cannot bind; no need to wait for it to give up
      return /cannot bind: Address already in use/.test(log()) ? `--- maillog ---\n${log()}` : null;
    };
    await waitForPort(ports.v4, `sendmail (see ${dir}/maillog)`, 30_000, dead);
    await waitForPort(ports.v6, `sendmail on ::1 (see ${dir}/maillog)`, 10_000, dead, '::1');

    const why = () => `--- maillog ---\n${log()}`;
    const waitForLog = async (pattern: RegExp, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = log();
        if (pattern.test(text) || Date.now() > deadline) return text;
        await sleep(100);
      }
    };
    const quarantined = () =>
      readdirSync(`${dir}/mqueue`).filter((f) => f.startsWith('hf')).map((f) => readQuarantine(`${dir}/mqueue/${f}`));
    const s = sink;
    return {
      port: ports.v4,
      port6: ports.v6,
      version,
      dir,
      log,
      waitForLog,
      waitForDelivery: (token, timeoutMs) => s.waitForDelivery(token, why, timeoutMs),
      deliveries: (token) => s.deliveries(token),
      quarantined,
      stop,
    };
  } catch (err) {
    const why = `${(err as Error).message}\n${log()}`;
    await stop().catch(() => undefined);
    throw /Address already in use/.test(why) ? new PortTaken(why) : err;
  }
}
