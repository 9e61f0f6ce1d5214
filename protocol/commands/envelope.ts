import type { Envelope, Helo } from './types.js';
import { PayloadReader } from './reader.js';

// SMFIC_HELO 'H': helo name NUL
export function decodeHelo(r: PayloadReader): Helo {
  const name = r.cstring('helo name');
  r.end();
  return { kind: 'helo', name };
}

// SMFIC_MAIL 'M' and SMFIC_RCPT 'R': address NUL | (esmtp argument NUL)*
export function decodeEnvelope(r: PayloadReader, kind: 'mail' | 'rcpt'): Envelope {
  const address = r.cstring('address');
  const args: string[] = [];
  while (r.remaining > 0) args.push(r.cstring('ESMTP argument'));
  return { kind, address, args };
}
