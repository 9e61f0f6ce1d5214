// The libmilter wire codec: pure functions over Buffer, no I/O. See SPEC.md.
export { Action, Command, Flag, MacroStage, Reply, MAX_BODY_CHUNK, MAX_FRAME_BYTES, MILTER_VERSION, MIN_MILTER_VERSION } from './constants.js';
export { ProtocolError, type ProtocolErrorCode } from './errors.js';
export { FrameDecoder, type Frame } from './frame.js';
export { decodeCommand } from './commands/index.js';
export type * from './commands/types.js';
export { encodeReply, formatReplyCode, parseReplyCode, type MilterReply, type ReplyCode } from './replies.js';
export { actionFor, encodeModification, type Modification } from './modifications.js';
export { negotiate, noReplyFlag, type Negotiated, type ReplyStage, type Wants } from './negotiate.js';
