// A DNS server for bench/dns.ts, run as its own process so its CPU is not counted as
// Thresher's: it answers every query at once (or after BENCH_DNS_DELAY_MS) from rules, not a
// zone: list probes 2.0.0.127.* are listed, one client address in eight is listed by every list,
// every address has a PTR host-A-B-C-D.example.net that resolves back to it, anything else is
// NXDOMAIN. It prints its port on stdout.
import dns2 from 'dns2';

const { Packet } = dns2;
type Packet = InstanceType<typeof Packet>;
const delay = Number(process.env.BENCH_DNS_DELAY_MS ?? 0);
const SOA = { name: 'example.net', type: Packet.TYPE.SOA, class: Packet.CLASS.IN, ttl: 300, primary: 'ns.example.net', admin: 'h.example.net', serial: 1, refresh: 1, retry: 1, expiration: 1, minimum: 300 };

function answer(req: Packet): Packet {
  const res = Packet.createResponseFromRequest(req);
  const q = req.questions[0]!;
  const name = q.name.toLowerCase();
  const add = (r: object) => res.answers.push({ name: q.name, class: Packet.CLASS.IN, ttl: 300, ...r } as Packet['answers'][number]);
  const reversed = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\.(.+)$/.exec(name);
  const host = /^host-(\d+)-(\d+)-(\d+)-(\d+)\.example\.net$/.exec(name);
  if (q.type === Packet.TYPE.PTR && reversed && reversed[5] === 'in-addr.arpa') add({ type: Packet.TYPE.PTR, domain: `host-${reversed[4]}-${reversed[3]}-${reversed[2]}-${reversed[1]}.example.net` });
  else if (q.type === Packet.TYPE.A && host) add({ type: Packet.TYPE.A, address: `${host[1]}.${host[2]}.${host[3]}.${host[4]}` });
  else if (q.type === Packet.TYPE.A && reversed && reversed[5] !== 'in-addr.arpa' && (name.startsWith('2.0.0.127.') || Number(reversed[1]) % 8 === 0)) add({ type: Packet.TYPE.A, address: '127.0.0.2' });
  if (res.answers.length === 0) {
    res.header.rcode = 3;
    res.authorities.push(SOA as Packet['answers'][number]);
  }
  return res;
}

const handle = (req: Packet, send: (r: Packet) => unknown) => {
  const res = answer(req);
  if (delay > 0) setTimeout(() => send(res), delay);
  else send(res);
};
const udp = dns2.createUDPServer({ type: 'udp4' });
udp.on('request', handle);
await udp.listen(0, '127.0.0.1');
process.stdout.write(`${(udp.address() as { port: number }).port}\n`);
