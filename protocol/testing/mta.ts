// The MTA side of the codec: what Postfix sends and how it reads our answers. Used by the
// in-repo MTA client (tests, benchmark), never by the server: kept in testing/, apart from
// index.ts, which is the milter side (as pg-protocol keeps its test-only frame builders).
import { Command, Reply } from '../constants.js';
import { cstr, frame, uint32 } from '../encode.js';
import { ProtocolError } from '../errors.js';
import type { Frame } from '../frame.js';

export const mta = {
  optneg: (version: number, actions: number, protocol: number) =>
    frame(Command.OPTNEG, uint32(version, 'version'), uint32(actions, 'actions'), uint32(protocol, 'protocol')),
  macro: (stage: number, macros: Record<string, string>) =>
    frame(
      Command.MACRO,
      Buffer.from([stage]),
      ...Object.entries(macros).flatMap(([k, v]) => [cstr(k, 'macro'), cstr(v, 'macro value')]),
    ),
  connect: (hostname: string, family: '4' | '6' | 'L' | 'U', port = 0, address = '') => {
    if (family === 'U') return frame(Command.CONNECT, cstr(hostname, 'hostname'), 'U');
    const p = Buffer.allocUnsafe(2);
    p.writeUInt16BE(port, 0);
    return frame(Command.CONNECT, cstr(hostname, 'hostname'), family, p, cstr(address, 'address'));
  },
  helo: (name: string) => frame(Command.HELO, cstr(name, 'helo')),
  mail: (address: string, ...args: string[]) =>
    frame(Command.MAIL, cstr(address, 'address'), ...args.map((a) => cstr(a, 'arg'))),
  rcpt: (address: string, ...args: string[]) =>
    frame(Command.RCPT, cstr(address, 'address'), ...args.map((a) => cstr(a, 'arg'))),
  data: () => frame(Command.DATA),
  header: (name: string, value: string) => frame(Command.HEADER, cstr(name, 'name'), cstr(value, 'value')),
  eoh: () => frame(Command.EOH),
  body: (chunk: Buffer | string) => frame(Command.BODY, chunk),
  eom: () => frame(Command.BODYEOB),
  abort: () => frame(Command.ABORT),
  quit: () => frame(Command.QUIT),
  quitNc: () => frame(Command.QUIT_NC),
  unknown: (line: string) => frame(Command.UNKNOWN, cstr(line, 'line')),
};

/** A milter answer as the MTA sees it. */
export type MilterAnswer =
  | { kind: 'optneg'; version: number; actions: number; protocol: number; macros: Record<number, string> }
  | { kind: 'accept' | 'continue' | 'discard' | 'reject' | 'tempfail' | 'skip' | 'progress' | 'shutdown' | 'conn_fail' }
  | { kind: 'replycode'; text: string }
  | { kind: 'addheader' | 'addrcpt' | 'delrcpt' | 'quarantine'; name: string; value: string }
  | { kind: 'insheader' | 'chgheader'; index: number; name: string; value: string }
  | { kind: 'addrcpt_par' | 'chgfrom'; name: string; value: string }
  | { kind: 'replbody'; body: Buffer };

const BARE: Record<number, MilterAnswer['kind']> = {
  [Reply.ACCEPT]: 'accept',
  [Reply.CONTINUE]: 'continue',
  [Reply.DISCARD]: 'discard',
  [Reply.REJECT]: 'reject',
  [Reply.TEMPFAIL]: 'tempfail',
  [Reply.SKIP]: 'skip',
  [Reply.PROGRESS]: 'progress',
  [Reply.SHUTDOWN]: 'shutdown',
  [Reply.CONN_FAIL]: 'conn_fail',
};

function strings(data: Buffer): string[] {
  const out = data.toString('utf8').split('\0');
  out.pop();
  return out;
}

/** Decodes one milter → MTA frame. */
export function decodeAnswer(f: Frame): MilterAnswer {
  const bare = BARE[f.command];
  if (bare) return { kind: bare } as MilterAnswer;
  switch (f.command) {
    case Reply.OPTNEG: {
      const macros: Record<number, string> = {};
      let off = 12;
      while (off + 4 < f.data.length) {
        const stage = f.data.readUInt32BE(off);
        const end = f.data.indexOf(0, off + 4);
        macros[stage] = f.data.toString('utf8', off + 4, end);
        off = end + 1;
      }
      return {
        kind: 'optneg',
        version: f.data.readUInt32BE(0),
        actions: f.data.readUInt32BE(4),
        protocol: f.data.readUInt32BE(8),
        macros,
      };
    }
    case Reply.REPLYCODE:
      return { kind: 'replycode', text: strings(f.data)[0] ?? '' };
    case Reply.ADDHEADER: {
      const [name = '', value = ''] = strings(f.data);
      return { kind: 'addheader', name, value };
    }
    case Reply.INSHEADER:
    case Reply.CHGHEADER: {
      const [name = '', value = ''] = strings(f.data.subarray(4));
      const kind = f.command === Reply.INSHEADER ? 'insheader' : 'chgheader';
      return { kind, index: f.data.readUInt32BE(0), name, value };
    }
    case Reply.ADDRCPT:
    case Reply.DELRCPT:
    case Reply.QUARANTINE:
    case Reply.ADDRCPT_PAR:
    case Reply.CHGFROM: {
      const [name = '', value = ''] = strings(f.data);
      const kind = ({
        [Reply.ADDRCPT]: 'addrcpt',
        [Reply.DELRCPT]: 'delrcpt',
        [Reply.QUARANTINE]: 'quarantine',
        [Reply.ADDRCPT_PAR]: 'addrcpt_par',
        [Reply.CHGFROM]: 'chgfrom',
      } as const)[f.command];
      return { kind, name, value } as MilterAnswer;
    }
    case Reply.REPLBODY:
      return { kind: 'replbody', body: f.data };
    default:
      throw new ProtocolError('UNKNOWN_COMMAND', `unknown reply byte 0x${f.command.toString(16)}`, f.command, f.data);
  }
}
