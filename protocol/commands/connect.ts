import type { AddressFamily, Connect } from './types.js';
import { PayloadReader } from './reader.js';

const FAMILIES: Record<string, AddressFamily> = {
  U: 'unknown', // SMFIA_UNKNOWN: nothing follows the family byte
  L: 'unix', // SMFIA_UNIX: port 0, then the socket path
  '4': 'inet', // SMFIA_INET
  '6': 'inet6', // SMFIA_INET6 (Sendmail prefixes "IPv6:" to the address; kept as sent)
};

// SMFIC_CONNECT 'C': hostname NUL | family byte | [uint16 port | address NUL]
export function decodeConnect(r: PayloadReader): Connect {
  const hostname = r.cstring('hostname');
  const code = String.fromCharCode(r.byte('family'));
  const family = FAMILIES[code];
  if (family === undefined) r.fail(`unknown address family ${JSON.stringify(code)}`);
  if (family === 'unknown') {
    r.end();
    return { kind: 'connect', hostname, family, port: 0, address: '' };
  }
  const port = r.uint16('port');
  const address = r.cstring('address');
  r.end();
  return { kind: 'connect', hostname, family, port, address };
}
