/** Every MTA → milter command as a typed value; `kind` drives an exhaustive switch. */

export interface OptNeg {
  kind: 'optneg';
  version: number;
  actions: number;
  protocol: number;
}

export interface Macro {
  kind: 'macro';
  /** The command byte the macros belong to (e.g. 'C' for connect). */
  stage: string;
  macros: Record<string, string>;
}

export type AddressFamily = 'unknown' | 'unix' | 'inet' | 'inet6';

export interface Connect {
  kind: 'connect';
  hostname: string;
  family: AddressFamily;
  /** 0 for unix sockets and unknown families. */
  port: number;
  /** IP address, socket path, or '' for the unknown family. */
  address: string;
}

export interface Helo {
  kind: 'helo';
  name: string;
}

export interface Envelope {
  kind: 'mail' | 'rcpt';
  /** As sent, usually with angle brackets: `<alice@example.org>`, `<>`. */
  address: string;
  /** ESMTP arguments such as `SIZE=1024`, `BODY=8BITMIME`. */
  args: string[];
}

export interface Header {
  kind: 'header';
  name: string;
  /** Raw value; with SMFIP_HDR_LEADSPC it keeps the space after the colon. */
  value: string;
}

export interface Body {
  kind: 'body';
  /** A view into the received bytes: never copied by the decoder. */
  chunk: Buffer;
}

export interface EndOfMessage {
  kind: 'eom';
  /** libmilter allows a last body chunk in SMFIC_BODYEOB; Postfix and Sendmail send none. */
  chunk: Buffer;
}

export interface Unknown {
  kind: 'unknown';
  line: string;
}

export interface Bare {
  kind: 'data' | 'eoh' | 'abort' | 'quit' | 'quit_nc';
}

export type MilterCommand =
  | OptNeg
  | Macro
  | Connect
  | Helo
  | Envelope
  | Header
  | Body
  | EndOfMessage
  | Unknown
  | Bare;

export type CommandKind = MilterCommand['kind'];
