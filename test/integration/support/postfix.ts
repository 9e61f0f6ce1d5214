// A private, throw-away Postfix instance for integration tests: its own config, queue and data
// directories under a temp dir, smtpd listeners on free loopback ports (one per milter under
// test, each with its own `-o smtpd_milters=`), relaying every message to smtp-sink (smtp-sink.ts), which
// writes each delivered message to a file in dumpDir. Logs go to maillog_file so a failure can print it.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, requireBinary, run, waitForPort } from './proc.js';
import { startSink, type Sink } from './smtp-sink.js';

export interface Postfix {
  /** SMTP ports, in the order of the milters given to startPostfix. */
  readonly smtpPorts: number[];
  readonly dir: string;
  /** The maillog so far (for failure messages). */
  log(): string;
  /**
   * Waits until the maillog matches `pattern` and returns the log. Postfix logs through
   * postlogd after it has answered the client, so a line may land a moment after the reply.
   */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Waits for the one delivered message containing `token`; returns the raw dump file. */
  waitForDelivery(token: string, timeoutMs?: number): Promise<string>;
  /** Delivered messages containing `token` right now. */
  deliveries(token: string): string[];
  /** The queue as `postqueue -j` shows it: one record per queued message (held ones have queue_name "hold"). */
  queue(): Promise<Array<{ queue_name: string; queue_id: string; sender: string; recipients: Array<{ address: string }> }>>;
  /** `postqueue -f`: deliver deferred mail now. */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

const ids = (user: string): { uid: number; gid: number } => ({
  uid: Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim()),
  gid: Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim()),
});

function mainCf(dir: string, sinkPort: number): string {
  return `# private Thresher test instance (test/integration/support/postfix.ts)
compatibility_level = 3.6
queue_directory = ${dir}/spool
data_directory = ${dir}/data
maillog_file = ${dir}/maillog
maillog_file_prefixes = ${dir}
syslog_name = postfix-thresher-test
myhostname = mx.thresher.test
mydomain = thresher.test
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
mynetworks = 127.0.0.0/8
inet_interfaces = loopback-only
inet_protocols = ipv4
relayhost = [127.0.0.1]:${sinkPort}
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtpd_tls_security_level = none
smtp_tls_security_level = none
biff = no
smtpd_milters =
non_smtpd_milters =
milter_protocol = 6
milter_default_action = tempfail
milter_command_timeout = 10s
milter_content_timeout = 15s
`;
}

export interface PostfixOptions {
  /**
   * Reach each milter through Postfix's own queue: the SMTP port takes mail without a milter
   * and relays it (content_filter) to an inner smtpd that has the milter, so a 4xx from the
   * milter leaves the message in the deferred queue for `flush()` to retry, as a remote MTA would.
   */
  throughQueue?: boolean;
}

function masterCf(ports: number[], milters: string[], inner: number[]): string {
  const smtpd = ports.flatMap((p, i) =>
    inner.length === 0
      ? [`127.0.0.1:${p} inet n - n - - smtpd -o smtpd_milters=${milters[i]}`]
      : [
          `127.0.0.1:${p} inet n - n - - smtpd -o smtpd_milters= -o content_filter=smtp:[127.0.0.1]:${inner[i]}`,
          // Its own name, or the queue's smtp client would take it for itself (a mail loop).
          `127.0.0.1:${inner[i]} inet n - n - - smtpd -o smtpd_milters=${milters[i]} -o myhostname=inner.thresher.test`,
        ],
  );
  return [
    '# service type private unpriv chroot wakeup maxproc command + args',
    ...smtpd,
    'pickup unix n - n 60 1 pickup',
    'cleanup unix n - n - 0 cleanup',
    'qmgr unix n - n 300 1 qmgr',
    'rewrite unix - - n - - trivial-rewrite',
    'bounce unix - - n - 0 bounce',
    'defer unix - - n - 0 bounce',
    'trace unix - - n - 0 bounce',
    'verify unix - - n - 1 verify',
    'flush unix n - n 1000? 0 flush',
    'proxymap unix - - n - - proxymap',
    'smtp unix - - n - - smtp',
    'relay unix - - n - - smtp',
    'showq unix n - n - - showq',
    'error unix - - n - - error',
    'retry unix - - n - - error',
    'discard unix - - n - - discard',
    'anvil unix - - n - 1 anvil',
    'scache unix - - n - 1 scache',
    'postlog unix-dgram n - n - 1 postlogd',
    '',
  ].join('\n');
}

/** Starts smtp-sink and Postfix; `milters` are smtpd_milters values, one smtpd listener each. */
export async function startPostfix(milters: string[], options: PostfixOptions = {}): Promise<Postfix> {
  const postfixBin = requireBinary('postfix', 'postfix');
  const dir = mkdtempSync('/tmp/thresher-postfix-');
  chmodSync(dir, 0o755); // postfix and nobody must traverse it
  const conf = `${dir}/conf`, dump = `${dir}/dump`;
  for (const d of [conf, `${dir}/spool`, `${dir}/data`, dump]) mkdirSync(d);
  chmodSync(`${dir}/spool`, 0o755); // root:root 755, as postfix check wants
  const pf = ids('postfix');
  chownSync(`${dir}/data`, pf.uid, pf.gid);
  chmodSync(`${dir}/data`, 0o700);
  writeFileSync(`${dir}/maillog`, '');

  let sink: Sink | undefined;
  let started = false;
  const log = () => (existsSync(`${dir}/maillog`) ? readFileSync(`${dir}/maillog`, 'utf8') : '');

  const stop = async () => {
    if (started) {
      await run(postfixBin, ['-c', conf, 'stop']);
      const deadline = Date.now() + 10_000;
      while ((await run(postfixBin, ['-c', conf, 'status'])).code === 0) {
        if (Date.now() > deadline) { await run(postfixBin, ['-c', conf, 'abort']); break; }
        await sleep(100);
      }
      started = false;
    }
    await sink?.stop();
    sink = undefined;
    if (!process.env.THRESHER_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  };

  try {
    const smtpPorts: number[] = [];
    for (const _ of milters) smtpPorts.push(await freePort());
    const innerPorts: number[] = [];
    if (options.throughQueue) for (const _ of milters) innerPorts.push(await freePort());
    sink = await startSink(dump);

    writeFileSync(`${conf}/main.cf`, mainCf(dir, sink.port));
    writeFileSync(`${conf}/master.cf`, masterCf(smtpPorts, milters, innerPorts));
    for (const cmd of ['check', 'start']) {
      const r = await run(postfixBin, ['-c', conf, cmd], 60_000);
      if (r.code !== 0) throw new Error(`postfix -c ${conf} ${cmd} failed (${r.code}):\n${r.stdout}${r.stderr}\n--- maillog ---\n${log()}`);
      if (cmd === 'start') started = true;
    }
    for (const p of [...smtpPorts, ...innerPorts]) await waitForPort(p, `postfix smtpd (see ${dir}/maillog)`, 15_000);

    const { deliveries } = sink;
    const waitForDelivery = (token: string, timeoutMs?: number) => sink!.waitForDelivery(token, () => `--- maillog ---\n${log()}`, timeoutMs);
    const waitForLog = async (pattern: RegExp, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = log();
        if (pattern.test(text)) return text;
        if (Date.now() > deadline) return text;
        await sleep(100);
      }
    };
    const queue = async () => {
      const r = await run('postqueue', ['-c', conf, '-j'], 15_000);
      if (r.code !== 0) throw new Error(`postqueue -j failed (${r.code}): ${r.stderr}`);
      return r.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Awaited<ReturnType<Postfix['queue']>>[number]);
    };
    const flush = async () => {
      const r = await run('postqueue', ['-c', conf, '-f'], 15_000);
      if (r.code !== 0) throw new Error(`postqueue -f failed (${r.code}): ${r.stderr}`);
    };
    return { smtpPorts, dir, log, waitForLog, waitForDelivery, deliveries, queue, flush, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
