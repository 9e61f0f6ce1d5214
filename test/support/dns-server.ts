import type { AddressInfo, Socket } from 'node:net';
import dns2 from 'dns2';

/*
 * An authoritative test DNS server on loopback (dns2's UDP and TCP servers on one free port),
 * answering from zone fixtures the test writes. Every DNS test in the project runs against it.
 *
 *   const dns = await startDnsServer({
 *     zone: {
 *       'mail.example.test': [{ type: 'A', address: '192.0.2.1', ttl: 60 }],
 *       'example.test': [
 *         { type: 'TXT', data: 'v=spf1 -all' },              // a string over 255 bytes is sent as 255-byte pieces
 *         { type: 'MX', exchange: 'mail.example.test', priority: 10 },
 *       ],
 *       '1.2.0.192.in-addr.arpa': [{ type: 'PTR', domain: 'mail.example.test' }],
 *       'www.example.test': [{ type: 'CNAME', domain: 'mail.example.test' }], // followed inside the zone
 *       '*.all.list.test': [{ type: 'A', address: '127.255.255.254' }],      // wildcard: any name below
 *       'broken.test': { rcode: 'SERVFAIL' },
 *       'slow.test': { records: [{ type: 'A', address: '192.0.2.9' }], delayMs: 200 },
 *       'black-hole.test': { neverAnswer: true },
 *       'big.test': { records: [{ type: 'A', address: '192.0.2.7' }], truncateUdp: true }, // TC=1 over UDP, answer over TCP
 *     },
 *     soa: { minimum: 60 },   // negative answers carry this SOA (name "test", ttl 300, minimum 300 by default)
 *   });
 *   resolver.setServers([dns.address]);           // "127.0.0.1:PORT" ("[::1]:PORT" with host '::1')
 *
 * Answers: a name with records answers those of the asked type (NOERROR); a name in the zone with none
 * of that type answers NODATA (NOERROR, no answers, SOA in authority); a name not in the zone (and no
 * matching wildcard) answers NXDOMAIN with the SOA. `rcode` forces SERVFAIL, REFUSED or NXDOMAIN.
 * An SOA query for soa.name answers that SOA (how a resolver learns a zone's negative TTL).
 * A record's ttl defaults to `defaultTtl` (300). UDP answers above 512 bytes (or the client's EDNS size)
 * are truncated by dns2 itself, so a long TXT set also forces TCP.
 *
 * API (stable):
 *   startDnsServer(options) → Promise<DnsTestServer>; options: zone, host ('127.0.0.1' | '::1'),
 *     port (default: a free one), defaultTtl, soa { name, ttl, minimum }, delayMs (every answer), neverAnswer (all)
 *   server.host, server.port, server.address ("host:port" form for node:dns setServers and our config)
 *   server.set(name, records | ZoneName), server.remove(name), server.setZone(zone): change fixtures live
 *   server.setGlobal({ delayMs?, neverAnswer? }): behaviour for every name
 *   server.queries: QueryLogEntry[] (name lower-case without trailing dot, type 'A'|'TXT'|..., transport)
 *   server.count({ name?, type?, transport? }) → number of logged queries matching; server.clearLog()
 *   server.stop(): closes both sockets (open TCP connections are destroyed, pending delayed answers dropped)
 *   server.restart(): listens again on the same host and port (after stop)
 */

export type ZoneRecord =
  | { type: 'A' | 'AAAA'; address: string; ttl?: number }
  | { type: 'TXT'; data: string | readonly string[]; ttl?: number }
  | { type: 'MX'; exchange: string; priority: number; ttl?: number }
  | { type: 'PTR' | 'CNAME'; domain: string; ttl?: number };

export interface ZoneName {
  records?: readonly ZoneRecord[];
  rcode?: 'SERVFAIL' | 'REFUSED' | 'NXDOMAIN';
  /** Answer this name only after this long (both transports). */
  delayMs?: number;
  /** Log the query and never answer it. */
  neverAnswer?: boolean;
  /** Over UDP answer TC=1 with no records, so the client must ask again over TCP. */
  truncateUdp?: boolean;
}

export type Zone = Record<string, readonly ZoneRecord[] | ZoneName>;

export interface DnsServerOptions {
  zone?: Zone;
  host?: '127.0.0.1' | '::1';
  port?: number;
  defaultTtl?: number;
  soa?: { name?: string; ttl?: number; minimum?: number };
  delayMs?: number;
  neverAnswer?: boolean;
}

export type Transport = 'udp' | 'tcp';

export interface QueryLogEntry {
  name: string;
  type: string;
  transport: Transport;
  at: number;
}

export interface DnsTestServer {
  readonly host: string;
  readonly port: number;
  readonly address: string;
  readonly queries: readonly QueryLogEntry[];
  set(name: string, entry: readonly ZoneRecord[] | ZoneName): void;
  remove(name: string): void;
  setZone(zone: Zone): void;
  setGlobal(g: { delayMs?: number; neverAnswer?: boolean }): void;
  count(filter?: { name?: string; type?: string; transport?: Transport }): number;
  clearLog(): void;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

const { Packet } = dns2;
type Packet = InstanceType<typeof Packet>;
type Resource = Packet['answers'][number];

const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;
const TYPE_NAME = new Map<number, string>(Object.entries(Packet.TYPE).map(([k, v]) => [v as number, k]));
/** How many CNAMEs an answer follows inside the zone before it stops (a loop in a fixture). */
const MAX_CNAME_CHAIN = 8;

export async function startDnsServer(o: DnsServerOptions = {}): Promise<DnsTestServer> {
  const server = new TestDnsServer(o);
  await server.listen(o.port ?? 0);
  return server;
}

class TestDnsServer implements DnsTestServer {
  readonly host: string;
  port = 0;
  readonly queries: QueryLogEntry[] = [];
  private zone = new Map<string, ZoneName>();
  private global: { delayMs?: number; neverAnswer?: boolean };
  private readonly defaultTtl: number;
  private readonly soa: { name: string; ttl: number; minimum: number };
  private udp: InstanceType<typeof dns2.UDPServer> | undefined;
  private tcp: InstanceType<typeof dns2.TCPServer> | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(o: DnsServerOptions) {
    this.host = o.host ?? '127.0.0.1';
    this.defaultTtl = o.defaultTtl ?? 300;
    this.soa = { name: normalise(o.soa?.name ?? 'test'), ttl: o.soa?.ttl ?? 300, minimum: o.soa?.minimum ?? 300 };
    this.global = { delayMs: o.delayMs, neverAnswer: o.neverAnswer };
    this.setZone(o.zone ?? {});
  }

  get address(): string {
    return this.host.includes(':') ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`;
  }

  set(name: string, entry: readonly ZoneRecord[] | ZoneName): void {
    this.zone.set(normalise(name), isRecordList(entry) ? { records: entry } : entry);
  }

  remove(name: string): void {
    this.zone.delete(normalise(name));
  }

  setZone(zone: Zone): void {
    this.zone = new Map();
    for (const [name, entry] of Object.entries(zone)) this.set(name, entry);
  }

  setGlobal(g: { delayMs?: number; neverAnswer?: boolean }): void {
    this.global = { ...g };
  }

  count(f: { name?: string; type?: string; transport?: Transport } = {}): number {
    const name = f.name === undefined ? undefined : normalise(f.name);
    return this.queries.filter(
      (q) =>
        (name === undefined || q.name === name) &&
        (f.type === undefined || q.type === f.type) &&
        (f.transport === undefined || q.transport === f.transport),
    ).length;
  }

  clearLog(): void {
    this.queries.length = 0;
  }

  async listen(port: number): Promise<void> {
    // The same port must be free for UDP and TCP: let TCP pick one, then bind UDP to it; retry on a clash.
    for (let attempt = 0; ; attempt++) {
      const tcp = await this.listenTcp(port);
      const udp = await this.bindUdp(tcp.port).catch((err: NodeJS.ErrnoException) => err);
      if (!(udp instanceof Error)) {
        this.port = tcp.port;
        return;
      }
      await this.closeTcp();
      if (port !== 0 || attempt >= 20) throw udp;
    }
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const udp = this.udp;
    this.udp = undefined;
    if (udp) await new Promise<void>((resolve) => udp.close(() => resolve()));
    await this.closeTcp();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.listen(this.port);
  }

  private listenTcp(port: number): Promise<AddressInfo> {
    const tcp = dns2.createTCPServer();
    this.tcp = tcp;
    tcp.on('request', (req: Packet, send: (r: Packet) => unknown) => this.answer(req, send, 'tcp'));
    tcp.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    return new Promise((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ port, host: this.host, exclusive: true }, () => {
        tcp.off('error', reject);
        resolve(tcp.address() as AddressInfo);
      });
    });
  }

  private async bindUdp(port: number): Promise<void> {
    const udp = dns2.createUDPServer({ type: this.host.includes(':') ? 'udp6' : 'udp4' });
    udp.on('request', (req: Packet, send: (r: Packet) => unknown) => this.answer(req, send, 'udp'));
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ port, address: this.host, exclusive: true }, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    this.udp = udp;
  }

  private async closeTcp(): Promise<void> {
    const tcp = this.tcp;
    this.tcp = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    if (tcp) await new Promise<void>((resolve) => tcp.close(() => resolve()));
  }

  private answer(req: Packet, send: (r: Packet) => unknown, transport: Transport): void {
    const q = req.questions[0];
    if (!q) return;
    const name = normalise(q.name);
    const type = TYPE_NAME.get(q.type) ?? `TYPE${q.type}`;
    this.queries.push({ name, type, transport, at: Date.now() });
    const entry = this.lookup(name);
    if (this.global.neverAnswer || entry?.neverAnswer) return;
    const res = Packet.createResponseFromRequest(req);
    res.header.aa = 1;
    res.header.ra = 1;
    if (transport === 'udp' && entry?.truncateUdp) res.header.tc = 1;
    else this.fill(res, q.name, type, entry);
    const delay = entry?.delayMs ?? this.global.delayMs ?? 0;
    if (delay <= 0) {
      send(res);
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      send(res);
    }, delay);
    this.timers.add(t);
  }

  private fill(res: Packet, asked: string, type: string, entry: ZoneName | undefined): void {
    if (type === 'SOA' && normalise(asked) === this.soa.name && entry?.rcode === undefined) {
      res.answers.push(this.soaRecord());
      return;
    }
    if (entry === undefined || entry.rcode !== undefined) {
      res.header.rcode = RCODE[entry?.rcode ?? 'NXDOMAIN'];
      if (res.header.rcode === RCODE.NXDOMAIN) res.authorities.push(this.soaRecord());
      return;
    }
    let owner = asked;
    let current: ZoneName | undefined = entry;
    for (let hop = 0; current && hop < MAX_CNAME_CHAIN; hop++) {
      const records = current.records ?? [];
      const cname = records.find((r) => r.type === 'CNAME');
      if (cname && type !== 'CNAME') {
        res.answers.push(this.resource(owner, cname));
        owner = (cname as { domain: string }).domain;
        current = this.lookup(normalise(owner));
        continue;
      }
      for (const r of records) if (r.type === type) res.answers.push(this.resource(owner, r));
      break;
    }
    if (res.answers.length === 0) res.authorities.push(this.soaRecord());
  }

  private lookup(name: string): ZoneName | undefined {
    const exact = this.zone.get(name);
    if (exact) return exact;
    const labels = name.split('.');
    for (let i = 1; i < labels.length; i++) {
      const wild = this.zone.get(`*.${labels.slice(i).join('.')}`);
      if (wild) return wild;
    }
    return undefined;
  }

  private resource(owner: string, r: ZoneRecord): Resource {
    const base = { name: owner, type: Packet.TYPE[r.type], class: Packet.CLASS.IN, ttl: r.ttl ?? this.defaultTtl };
    switch (r.type) {
      case 'A':
      case 'AAAA':
        return { ...base, address: r.address } as Resource;
      case 'TXT':
        return { ...base, data: typeof r.data === 'string' ? pieces(r.data) : [...r.data] } as Resource;
      case 'MX':
        return { ...base, exchange: r.exchange, priority: r.priority } as Resource;
      case 'PTR':
      case 'CNAME':
        return { ...base, domain: r.domain } as Resource;
    }
  }

  private soaRecord(): Resource {
    const s = this.soa;
    return {
      name: s.name,
      type: Packet.TYPE.SOA,
      class: Packet.CLASS.IN,
      ttl: s.ttl,
      primary: `ns.${s.name}`,
      admin: `hostmaster.${s.name}`,
      serial: 1,
      refresh: 3600,
      retry: 600,
      expiration: 86400,
      minimum: s.minimum,
    } as Resource;
  }
}

function isRecordList(e: readonly ZoneRecord[] | ZoneName): e is readonly ZoneRecord[] {
  return Array.isArray(e);
}

function normalise(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** A TXT string as the 255-byte character-strings DNS carries (RFC 1035 §3.3.14). */
function pieces(s: string): Buffer[] {
  const bytes = Buffer.from(s, 'utf8');
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 255) out.push(bytes.subarray(i, i + 255));
  return out.length > 0 ? out : [Buffer.alloc(0)];
}
