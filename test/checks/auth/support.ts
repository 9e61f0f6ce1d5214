import { generateKeyPairSync } from 'node:crypto';
import pino from 'pino';
import { dkimSign, sealMessage } from 'mailauth';
import { parseConfig } from '../../../src/config/load.js';
import type { Resolver } from '../../../src/dns/resolver.js';
import { scanOffline, type OfflineOutcome } from '../../../src/scan/offline.js';
import { testPipeline, testServices } from '../../support/services.js';

// What the authentication tests share: signing keys and their DNS records, messages signed
// and sealed with mailauth, and a scan through the real transaction.

export interface Key {
  privateKey: string;
  /** The TXT record publishing it (selector._domainkey.domain). */
  record: string;
}

export function rsaKey(bits = 2048): Key {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  const der = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  return { privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), record: `v=DKIM1; k=rsa; p=${der}` };
}

export function message(o: { from: string; subject?: string; body?: string; extra?: string }): Buffer {
  const head = `From: ${o.from}\r\nTo: user@example.net\r\nSubject: ${o.subject ?? 'hello'}\r\nDate: Thu, 3 Dec 2026 12:00:00 +0000\r\nMessage-ID: <${Math.random().toString(36).slice(2)}@test>\r\n${o.extra ?? ''}`;
  return Buffer.from(`${head}\r\n${o.body ?? 'Hello there.\r\n'}`);
}

/** The message with a DKIM-Signature of domain/selector prepended. */
export async function signed(raw: Buffer, domain: string, selector: string, key: Key, canonicalization = 'relaxed/relaxed'): Promise<Buffer> {
  const r = await dkimSign(raw, { signingDomain: domain, selector, privateKey: key.privateKey, signatureData: [{ signingDomain: domain, selector, privateKey: key.privateKey, canonicalization }] });
  if (r.errors.length > 0) throw r.errors[0];
  return Buffer.concat([Buffer.from(r.signatures), raw]);
}

/** The message with an ARC set of a forwarder prepended, recording `authResults` as what it saw. */
export async function sealed(raw: Buffer, domain: string, selector: string, key: Key, authResults: string): Promise<Buffer> {
  const headers = await sealMessage(raw, { signingDomain: domain, selector, privateKey: key.privateKey, authResults, cv: 'none' } as Parameters<typeof sealMessage>[1]);
  return Buffer.concat([headers, raw]);
}

export interface Envelope {
  ip?: string;
  helo?: string;
  sender?: string;
  authenticated?: boolean;
}

/** One message through the transaction with this config and resolver, as `thresher check` drives it. */
export async function scan(raw: Buffer, resolver: Resolver, config: { auth?: object } & Record<string, unknown> = {}, env: Envelope = {}): Promise<OfflineOutcome> {
  const pipeline = testPipeline(parseConfig({ ...config, auth: { enabled: true, authserv_id: 'mx.thresher.test', ...config.auth } }), { services: testServices({ resolver }) });
  return scanOffline(pipeline, raw, {
    client: env.ip === undefined ? { hostname: 'unknown', address: '', port: 0, family: 'unknown' } : { hostname: 'mail.sender.example', address: env.ip, port: 25, family: env.ip.includes(':') ? 'inet6' : 'inet' },
    helo: env.helo ?? 'mail.sender.example',
    sender: env.sender ?? '',
    recipients: ['user@example.net'],
    authenticated: env.authenticated ?? false,
  }, pino({ level: 'silent' }));
}

/** Symbol name → detail of the first transaction. */
export function symbolsOf(o: OfflineOutcome): Record<string, string | undefined> {
  return Object.fromEntries(o.transactions[0]!.verdict.result.symbols.map((s) => [s.name, s.detail]));
}

/** The Authentication-Results value Thresher adds. */
export function authResultsOf(o: OfflineOutcome): string | undefined {
  const edit = o.transactions[0]!.edits.find((e) => e.op === 'add' && e.name === 'Authentication-Results');
  return edit && 'value' in edit ? edit.value : undefined;
}
