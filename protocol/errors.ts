/** Why a stream of milter bytes could not be decoded. */
export type ProtocolErrorCode =
  | 'FRAME_EMPTY' // a length of 0: not even a command byte
  | 'FRAME_TOO_LARGE' // a length above the configured maximum
  | 'UNKNOWN_COMMAND' // a command byte libmilter does not define
  | 'MALFORMED'; // a payload that does not have the layout of its command

/** A typed decoding error. The session logs it once and closes that connection only. */
export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  /** The command byte as a character, when known. */
  readonly command: string | undefined;
  /** Up to 32 bytes of the offending payload in hex, for the log line. */
  readonly preview: string;

  constructor(code: ProtocolErrorCode, message: string, command?: number, payload?: Buffer) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
    this.command = command === undefined ? undefined : String.fromCharCode(command);
    this.preview = payload ? payload.subarray(0, 32).toString('hex') : '';
  }
}
