import { MAX_FRAME_BYTES } from './constants.js';
import { ProtocolError } from './errors.js';

/**
 * One milter packet:
 *   uint32 length (big-endian, counts the command byte and the data) | command byte | data
 * `data` is a view into the bytes that were pushed whenever the frame arrived in one chunk,
 * so a body chunk is never copied by the decoder.
 */
export interface Frame {
  command: number;
  data: Buffer;
}

const HEADER_BYTES = 4;

/**
 * Incremental frame decoder: push any split of the stream, get the same frames.
 * The length is checked before anything is allocated for it (rspamd's st_len state).
 * After an error the decoder is poisoned: the stream has lost its framing.
 */
export class FrameDecoder {
  private readonly maxFrameBytes: number;
  /** Bytes received but not yet returned as frames; at most one partial frame. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Size of the partial frame once its length is known (0: length not read yet). */
  private pendingNeed = 0;
  private failed: ProtocolError | undefined;

  constructor(maxFrameBytes: number = MAX_FRAME_BYTES) {
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 1) {
      throw new RangeError(`maxFrameBytes must be a positive integer, got ${maxFrameBytes}`);
    }
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes held for an incomplete frame: bounded by the maximum frame size plus 4. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /** Decode all complete frames in what has arrived so far; throws ProtocolError. */
  push(chunk: Buffer): Frame[] {
    if (this.failed) throw this.failed;
    let buf: Buffer;
    const frames: Frame[] = [];
    if (this.pendingBytes === 0) {
      buf = chunk;
    } else {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      const need = this.pendingNeed;
      if (need > 0) {
        // A large frame trickling in: keep collecting until it is whole, then copy exactly
        // its bytes once. The rest of the chunk stays a view: copying it along would make
        // every body chunk kept for scanning hold twice its size.
        if (this.pendingBytes < need) return [];
        const whole = Buffer.concat(this.pending, need);
        frames.push({ command: whole[HEADER_BYTES]!, data: whole.subarray(HEADER_BYTES + 1) });
        buf = chunk.subarray(chunk.length - (this.pendingBytes - need));
      } else {
        buf = Buffer.concat(this.pending, this.pendingBytes);
      }
      this.pending = [];
      this.pendingBytes = 0;
      this.pendingNeed = 0;
    }
    let offset = 0;
    while (buf.length - offset >= HEADER_BYTES) {
      const length = buf.readUInt32BE(offset);
      if (length === 0) {
        this.failed = new ProtocolError('FRAME_EMPTY', 'frame length 0 has no command byte');
        throw this.failed;
      }
      if (length > this.maxFrameBytes) {
        this.failed = new ProtocolError(
          'FRAME_TOO_LARGE',
          `frame length ${length} exceeds the maximum of ${this.maxFrameBytes} bytes`,
          buf.length > offset + HEADER_BYTES ? buf[offset + HEADER_BYTES] : undefined,
        );
        throw this.failed;
      }
      if (buf.length - offset - HEADER_BYTES < length) {
        this.pendingNeed = HEADER_BYTES + length;
        break;
      }
      const start = offset + HEADER_BYTES;
      frames.push({ command: buf[start]!, data: buf.subarray(start + 1, start + length) });
      offset = start + length;
    }
    if (offset < buf.length) {
      const rest = buf.subarray(offset);
      this.pending.push(rest);
      this.pendingBytes = rest.length;
    }
    return frames;
  }
}
