import { parseAddress } from '../../net/ip.js';

/** An IPv4 answer as a 32-bit number (for bitmasks), or undefined when it is not IPv4. */
export function codeNumber(code: string): number | undefined {
  const ip = parseAddress(code);
  return ip?.v === 4 ? Number(ip.n) : undefined;
}
