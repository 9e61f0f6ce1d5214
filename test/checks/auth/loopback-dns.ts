import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import type { MxRecord } from '../../../src/dns/resolver.js';

// An authoritative DNS server on 127.0.0.1 (dns2's, UDP and TCP) answering from a zone the
// test writes, so the checks resolve through Thresher's real resolver and a real wire: names
// absent from the zone are NXDOMAIN, present names without the type asked are NODATA, and a
// name can answer SERVFAIL or answer late.

export interface ZoneEntry {
  A?: string[];
  AAAA?: string[];
  /** Each record one string; longer than 255 bytes it goes out as several character-strings. */
  TXT?: string[];
  MX?: MxRecord[];
  /** Names of a reverse name (4.3.2.1.in-addr.arpa). */
  PTR?: string[];
  servfail?: boolean;
  /** Answer after this long (longer than the resolver waits: a time-out). */
  delayMs?: number;
}

export interface LoopbackDns {
  port: number;
  /** As Thresher's resolver takes them (`127.0.0.1:PORT`). */
  servers: string[];
  /** Every question asked, as "TYPE name". */
  queries: string[];
  close(): Promise<void>;
}

interface Question { name: string; type: number }
interface DnsPacket { questions: Question[]; answers: object[]; header: { rcode: number } }
interface Dns2 {
  Packet: { TYPE: Record<string, number>; CLASS: { IN: number }; RCODE: Record<string, number>; createResponseFromRequest(r: DnsPacket): DnsPacket };
  createServer(o: { udp: boolean; tcp: boolean; handle(request: DnsPacket, send: (r: DnsPacket) => void): void }): {
    listen(o: object): Promise<{ udp: { port: number } }>;
    close(): Promise<void> | void;
  };
}

const dns2 = createRequire(import.meta.url)('dns2') as Dns2;
const { Packet } = dns2;
const TYPE_NAMES = new Map(Object.entries(Packet.TYPE).map(([k, v]) => [v, k]));

/** 255-byte character-strings, as a TXT record longer than that is published. */
const strings = (record: string): string[] => record.match(/[\s\S]{1,255}/g) ?? [''];

function answers(entry: ZoneEntry, name: string, type: string): object[] {
  const base = { name, class: Packet.CLASS.IN, ttl: 60, type: Packet.TYPE[type] };
  switch (type) {
    case 'A':
    case 'AAAA':
      return (entry[type] ?? []).map((address) => ({ ...base, address }));
    case 'TXT':
      return (entry.TXT ?? []).map((t) => ({ ...base, data: strings(t) }));
    case 'MX':
      return (entry.MX ?? []).map((m) => ({ ...base, exchange: m.exchange, priority: m.priority }));
    case 'PTR':
      return (entry.PTR ?? []).map((domain) => ({ ...base, domain }));
    default:
      return [];
  }
}

export async function startLoopbackDns(zone: Record<string, ZoneEntry>): Promise<LoopbackDns> {
  const queries: string[] = [];
  const server = dns2.createServer({
    udp: true,
    tcp: true,
    handle(request, send) {
      const response = Packet.createResponseFromRequest(request);
      const q = request.questions[0];
      if (q === undefined) return send(response);
      const name = q.name.toLowerCase().replace(/\.$/, '');
      const type = TYPE_NAMES.get(q.type) ?? String(q.type);
      queries.push(`${type} ${name}`);
      const entry = zone[name];
      const reply = () => {
        if (entry === undefined) response.header.rcode = Packet.RCODE.NXDOMAIN!;
        else if (entry.servfail) response.header.rcode = Packet.RCODE.SERVFAIL!;
        else response.answers.push(...answers(entry, q.name, type));
        send(response);
      };
      if (entry?.delayMs) setTimeout(reply, entry.delayMs).unref();
      else reply();
    },
  });
  // One port for both, as a resolver retries a truncated answer over TCP on the same port.
  const port = await freeTcpPort();
  await server.listen({ udp: { port, address: '127.0.0.1' }, tcp: { port, address: '127.0.0.1' } });
  return { port, servers: [`127.0.0.1:${port}`], queries, close: async () => void (await server.close()) };
}

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
