import { Command } from '../constants.js';
import { ProtocolError } from '../errors.js';
import type { Frame } from '../frame.js';
import { decodeConnect } from './connect.js';
import { decodeBody, decodeEndOfMessage, decodeHeader } from './content.js';
import { decodeEnvelope, decodeHelo } from './envelope.js';
import { decodeMacro } from './macro.js';
import { decodeOptNeg } from './negotiate.js';
import { PayloadReader } from './reader.js';
import type { MilterCommand } from './types.js';

/** Frame → typed command. Total: returns a command or throws a ProtocolError. */
export function decodeCommand(frame: Frame): MilterCommand {
  const r = new PayloadReader(frame.data, frame.command);
  switch (frame.command) {
    case Command.OPTNEG:
      return decodeOptNeg(r);
    case Command.MACRO:
      return decodeMacro(r);
    case Command.CONNECT:
      return decodeConnect(r);
    case Command.HELO:
      return decodeHelo(r);
    case Command.MAIL:
      return decodeEnvelope(r, 'mail');
    case Command.RCPT:
      return decodeEnvelope(r, 'rcpt');
    case Command.HEADER:
      return decodeHeader(r);
    case Command.BODY:
      return decodeBody(r);
    case Command.BODYEOB:
      return decodeEndOfMessage(r);
    case Command.UNKNOWN: {
      // SMFIC_UNKNOWN 'U': the unrecognised SMTP command line NUL
      const line = r.cstring('command line');
      return { kind: 'unknown', line };
    }
    // Commands without payload; libmilter ignores any bytes sent with them, so do we.
    case Command.DATA:
      return { kind: 'data' };
    case Command.EOH:
      return { kind: 'eoh' };
    case Command.ABORT:
      return { kind: 'abort' };
    case Command.QUIT:
      return { kind: 'quit' };
    case Command.QUIT_NC:
      return { kind: 'quit_nc' };
    default:
      throw new ProtocolError(
        'UNKNOWN_COMMAND',
        `unknown command byte 0x${frame.command.toString(16).padStart(2, '0')}`,
        frame.command,
        frame.data,
      );
  }
}

export type * from './types.js';
