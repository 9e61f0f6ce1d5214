import type { OptNeg } from './types.js';
import { PayloadReader } from './reader.js';

// SMFIC_OPTNEG 'O': uint32 version | uint32 actions | uint32 protocol
// libmilter reads the first 12 bytes and ignores anything after them; so do we.
export function decodeOptNeg(r: PayloadReader): OptNeg {
  const version = r.uint32('version');
  const actions = r.uint32('actions');
  const protocol = r.uint32('protocol');
  return { kind: 'optneg', version, actions, protocol };
}
