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
 * Page size of a frame that arrives in pieces. A peer may declare a frame of max_frame_bytes and
 * then send a few bytes of it (or one byte per segment); reserving the declared length at once
 * would let 1,000 such connections hold 2 GB for 5 bytes each. Instead the frame is assembled in
 * pages of this size (the last one cut to the declared length), allocated as bytes arrive, and
 * joined into one buffer of exactly the frame's length when it is complete. A frame in assembly
 * so costs what was received rounded up to a page, and nothing is thrown away while it grows
 * (doubling a single buffer left the outgrown ones to the garbage collector: 20 connections
 * dribbling 1 MiB each measured 43 MB instead of the frames' 21 MB). 64 KiB is what Node reads
 * from a socket at once and what Postfix puts in one body packet (65535 bytes of data), so an
 * ordinary body packet split across two reads is one page and needs no join.
 */
const PAGE_BYTES = 64 * 1024;

/**
 * Incremental frame decoder: push any split of the stream, get the same frames.
 * The length is checked before anything is allocated for it (rspamd's st_len state).
 * Socket reads are never kept: a frame split across reads is copied into one buffer of its
 * own as the pieces arrive, so its cost does not depend on how finely the peer segments it
 * (keeping each read as a Buffer cost about 180 bytes per read: a 1 MiB frame sent one byte
 * per segment took 180 MB).
 * After an error the decoder is poisoned: the stream has lost its framing.
 */
export class FrameDecoder {
  private readonly maxFrameBytes: number;
  /** The length field of the next frame while its 4 bytes arrive split. */
  private readonly header = Buffer.alloc(HEADER_BYTES);
  private headerFilled = 0;
  /** Length (command byte and data) of the frame in assembly; 0: none. */
  private frameLength = 0;
  /** The frame in assembly: command byte and data, in pages, up to frameLength in all. */
  private pages: Buffer[] = [];
  private reserved = 0;
  private frameFilled = 0;
  private failed: ProtocolError | undefined;

  constructor(maxFrameBytes: number = MAX_FRAME_BYTES) {
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 1) {
      throw new RangeError(`maxFrameBytes must be a positive integer, got ${maxFrameBytes}`);
    }
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes received for the incomplete frame, its length field included: at most the maximum frame size plus 4. */
  get bufferedBytes(): number {
    return this.headerFilled + (this.frameLength > 0 ? HEADER_BYTES + this.frameFilled : 0);
  }

  /** Bytes allocated for the incomplete frame: at most max(64 KiB, twice what arrived of it), never above its length. */
  get reservedBytes(): number {
    return this.reserved;
  }

  /** Decode all complete frames in what has arrived so far; throws ProtocolError. */
  push(chunk: Buffer): Frame[] {
    if (this.failed) throw this.failed;
    const frames: Frame[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      if (this.frameLength > 0) {
        offset = this.fill(chunk, offset, frames);
      } else if (this.headerFilled > 0 || chunk.length - offset < HEADER_BYTES) {
        offset = this.fillHeader(chunk, offset);
      } else {
        // Fast path: a frame that lies whole in this chunk is returned as a view of it.
        const length = chunk.readUInt32BE(offset);
        this.check(length, chunk, offset + HEADER_BYTES);
        const start = offset + HEADER_BYTES;
        if (chunk.length - start >= length) {
          frames.push({ command: chunk[start]!, data: chunk.subarray(start + 1, start + length) });
          offset = start + length;
        } else {
          this.frameLength = length;
          offset = start;
        }
      }
    }
    return frames;
  }

  private fillHeader(chunk: Buffer, offset: number): number {
    const take = Math.min(HEADER_BYTES - this.headerFilled, chunk.length - offset);
    chunk.copy(this.header, this.headerFilled, offset, offset + take);
    this.headerFilled += take;
    const next = offset + take;
    if (this.headerFilled < HEADER_BYTES) return next;
    this.headerFilled = 0;
    const length = this.header.readUInt32BE(0);
    this.check(length, chunk, next);
    this.frameLength = length;
    return next;
  }

  /** Copies what this chunk holds of the frame in assembly; emits the frame once it is whole. */
  private fill(chunk: Buffer, offset: number, frames: Frame[]): number {
    const available = chunk.length - offset;
    if (this.frameFilled === 0 && available >= this.frameLength) {
      // Only the length field was split off: the frame itself is whole here, so no copy.
      const end = offset + this.frameLength;
      frames.push({ command: chunk[offset]!, data: chunk.subarray(offset + 1, end) });
      this.frameLength = 0;
      return end;
    }
    const take = Math.min(this.frameLength - this.frameFilled, available);
    for (let copied = 0; copied < take; ) {
      const page = this.page();
      const at = this.frameFilled - (this.reserved - page.length);
      const n = Math.min(page.length - at, take - copied);
      chunk.copy(page, at, offset + copied, offset + copied + n);
      copied += n;
      this.frameFilled += n;
    }
    if (this.frameFilled === this.frameLength) {
      // Pages never go past frameLength, so a whole frame fills them exactly.
      const frame = this.pages.length === 1 ? this.pages[0]! : Buffer.concat(this.pages, this.frameLength);
      frames.push({ command: frame[0]!, data: frame.subarray(1) });
      this.pages = [];
      this.reserved = 0;
      this.frameFilled = 0;
      this.frameLength = 0;
    }
    return offset + take;
  }

  /**
   * The page the next byte goes to, allocated when the last one is full. Uninitialised memory
   * is safe here: only bytes below frameFilled are ever read, and a frame is handed out only
   * once every byte of it has been written.
   */
  private page(): Buffer {
    if (this.frameFilled < this.reserved) return this.pages[this.pages.length - 1]!;
    const page = Buffer.allocUnsafeSlow(Math.min(PAGE_BYTES, this.frameLength - this.reserved));
    this.pages.push(page);
    this.reserved += page.length;
    return page;
  }

  /** Refuses a length before anything is sized by it; `commandAt` is where its command byte would be. */
  private check(length: number, chunk: Buffer, commandAt: number): void {
    if (length === 0) {
      this.failed = new ProtocolError('FRAME_EMPTY', 'frame length 0 has no command byte');
      throw this.failed;
    }
    if (length > this.maxFrameBytes) {
      this.failed = new ProtocolError(
        'FRAME_TOO_LARGE',
        `frame length ${length} exceeds the maximum of ${this.maxFrameBytes} bytes`,
        commandAt < chunk.length ? chunk[commandAt] : undefined,
      );
      throw this.failed;
    }
  }
}
