import { isIP } from 'node:net';
import { z } from 'zod';

// Where Thresher's resolver sends its queries (`dns:`).

/** An address, or address:port ([v6]:port for IPv6), as Node's resolver takes it. */
function serverProblem(s: string): string | undefined {
  // [v6]:port, v4:port, or a bare address (a bare IPv6 address has colons of its own).
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s) ?? /^([^:]+)(?::(\d+))?$/.exec(s);
  const address = m?.[1] ?? s;
  const port = m?.[2];
  if (isIP(address) === 0) return `expected an IP address, IP:PORT or [IPv6]:PORT (got ${JSON.stringify(s)})`;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return `port must be 1 to 65535 (got ${JSON.stringify(s)})`;
  return undefined;
}

export const dnsSchema = z
  .strictObject({
    servers: z
      .array(z.string().superRefine((s, ctx) => {
        const p = serverProblem(s);
        if (p !== undefined) ctx.addIssue({ code: 'custom', message: p });
      }))
      .default([])
      .describe('DNS servers to ask, e.g. ["127.0.0.1", "[2001:db8::53]:53"]; empty: those of /etc/resolv.conf.'),
  })
  .prefault({});

export type DnsConfig = z.infer<typeof dnsSchema>;
