import type { Body, EndOfMessage, Header } from './types.js';
import { PayloadReader } from './reader.js';

// SMFIC_HEADER 'L': name NUL | value NUL
// Folded values arrive with the MTA's line ends inside (Postfix: LF, Sendmail: CRLF).
export function decodeHeader(r: PayloadReader): Header {
  const name = r.cstring('header name');
  const value = r.cstring('header value');
  r.end();
  return { kind: 'header', name, value };
}

// SMFIC_BODY 'B': raw body bytes, at most 65535 per chunk (CRLF line ends)
export function decodeBody(r: PayloadReader): Body {
  return { kind: 'body', chunk: r.rest() };
}

// SMFIC_BODYEOB 'E': optional last body bytes
export function decodeEndOfMessage(r: PayloadReader): EndOfMessage {
  return { kind: 'eom', chunk: r.rest() };
}
