// What sender authentication costs per message, in process: the same DKIM-signed messages
// scored through the transaction with the auth checks on and off (CPU per message), and the
// end-of-message wait when every DNS answer takes DELAY_MS, with the body sent at once or
// arriving over TRANSFER_MS after the headers (how much DNS time the checks started early hide),
// and how long MAIL waits for SPF.
// DNS answers come from a zone in memory after a timer, so the figures are mailauth's and
// Thresher's own CPU, not a DNS client's. Run with `node dist/bench/auth.js`.
import { generateKeyPairSync } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { dkimSign } from 'mailauth';
import pino from 'pino';
import { parseConfig } from '../src/config/load.js';
import type { MxRecord, Resolver } from '../src/dns/resolver.js';
import { splitMessage } from '../src/message/parse.js';
import { createPipeline, createServices } from '../src/scan/compose.js';
import type { Pipeline } from '../src/scan/pipeline.js';
import { Transaction } from '../src/scan/transaction.js';

const MESSAGES = Number(process.env.BENCH_AUTH_MESSAGES ?? 2000);
const DELAY_MS = Number(process.env.BENCH_AUTH_DELAY_MS ?? 20);
const TRANSFER_MS = Number(process.env.BENCH_AUTH_TRANSFER_MS ?? 50);
const log = pino({ level: 'silent' });

/** A zone in memory answering after `delayMs`. */
function zoneResolver(zone: Record<string, string[]>, delayMs: number): Resolver {
  const answer = async <T>(key: string): Promise<T[]> => {
    if (delayMs > 0) await sleep(delayMs);
    return (zone[key] ?? []) as T[];
  };
  return {
    a: (n) => answer<string>(`A ${n}`),
    aaaa: (n) => answer<string>(`AAAA ${n}`),
    txt: (n) => answer<string>(`TXT ${n}`),
    mx: (n) => answer<MxRecord>(`MX ${n}`),
    ptr: (n) => answer<string>(`PTR ${n}`),
  };
}

async function signedMessages(n: number): Promise<{ raws: Buffer[]; zone: Record<string, string[]> }> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const zone = {
    'TXT sel._domainkey.news.example': [`v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`],
    'TXT news.example': ['v=spf1 include:_spf.news.example -all'],
    'TXT _spf.news.example': ['v=spf1 ip4:192.0.2.0/24 -all'],
    'TXT _dmarc.news.example': ['v=DMARC1; p=reject'],
  };
  const raws: Buffer[] = [];
  const body = 'A newsletter line of text, as long as such lines are in real mail.\r\n'.repeat(150);
  for (let i = 0; i < Math.min(n, 50); i++) {
    const raw = Buffer.from(`From: News <news@news.example>\r\nTo: user@example.net\r\nSubject: issue ${i}\r\nDate: Thu, 3 Dec 2026 12:00:00 +0000\r\nMessage-ID: <${i}@news.example>\r\n\r\n${body}`);
    const r = await dkimSign(raw, { signingDomain: 'news.example', selector: 'sel', privateKey: pem, signatureData: [{ signingDomain: 'news.example', selector: 'sel', privateKey: pem }] });
    raws.push(Buffer.concat([Buffer.from(r.signatures), raw]));
  }
  return { raws, zone };
}

/** One message as a milter MTA sends it; resolves with the MAIL and the end-of-message waits in ms. */
async function deliver(p: Pipeline, raw: Buffer, transferMs: number): Promise<{ mail: number; eom: number }> {
  const tx = new Transaction(() => p, log);
  await tx.connect({ hostname: 'mail.news.example', address: '192.0.2.25', port: 25, family: 'inet' });
  await tx.helo('mail.news.example');
  const mailStarted = performance.now();
  await tx.mail({ address: 'bounces@news.example', args: [] }, { authenticated: false });
  const mail = performance.now() - mailStarted;
  await tx.rcpt({ address: 'user@example.net', args: [] }, { answerable: true });
  const split = splitMessage(raw);
  for (const f of split.fields) tx.header(f.name, f.value);
  tx.endOfHeaders();
  if (transferMs > 0) await sleep(transferMs);
  await tx.body(split.body);
  const eom = await tx.endOfMessage();
  tx.endMessage();
  return { mail, eom: eom.ms };
}

function pipeline(auth: boolean, resolver: Resolver): Pipeline {
  return createPipeline(parseConfig({ auth: { enabled: auth, authserv_id: 'mx.bench.test' } }), { services: createServices({ log, services: { resolver } }) });
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const round = (n: number) => Math.round(n * 100) / 100;

export async function runAuthBench(): Promise<Record<string, number>> {
  const { raws, zone } = await signedMessages(MESSAGES);
  const cpu = async (auth: boolean) => {
    const p = pipeline(auth, zoneResolver(zone, 0));
    for (let i = 0; i < 200; i++) await deliver(p, raws[i % raws.length]!, 0);
    const start = process.cpuUsage();
    for (let i = 0; i < MESSAGES; i++) await deliver(p, raws[i % raws.length]!, 0);
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000 / MESSAGES;
  };
  const off = await cpu(false);
  const on = await cpu(true);
  const wait = async (transferMs: number) => {
    const p = pipeline(true, zoneResolver(zone, DELAY_MS));
    const waits: { mail: number; eom: number }[] = [];
    for (let i = 0; i < 40; i++) waits.push(await deliver(p, raws[i % raws.length]!, transferMs));
    return { mail: median(waits.map((w) => w.mail)), eom: median(waits.map((w) => w.eom)) };
  };
  const immediate = await wait(0);
  const overlapped = await wait(TRANSFER_MS);
  return {
    cpuMsOff: round(off),
    cpuMsOn: round(on),
    cpuMsAuth: round(on - off),
    dnsDelayMs: DELAY_MS,
    mailWaitMs: round(immediate.mail),
    eomWaitBodyAtOnceMs: round(immediate.eom),
    transferMs: TRANSFER_MS,
    eomWaitBodyOverTransferMs: round(overlapped.eom),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await runAuthBench();
  console.log(`auth: ${r.cpuMsAuth} ms CPU per DKIM-signed message (${r.cpuMsOn} with the auth checks, ${r.cpuMsOff} without)`);
  console.log(`auth: DNS answering in ${r.dnsDelayMs} ms: end of message waits ${r.eomWaitBodyAtOnceMs} ms with the body sent at once, ${r.eomWaitBodyOverTransferMs} ms when the body takes ${r.transferMs} ms (SPF ran at MAIL in both: MAIL waited ${r.mailWaitMs} ms)`);
  console.log(JSON.stringify(r));
}
