import { ProtocolError } from '../errors.js';

/**
 * A bounds-checked cursor over one frame's data. Every read either succeeds inside the
 * buffer or throws a MALFORMED ProtocolError: decoders built on it are total.
 */
export class PayloadReader {
  private offset = 0;

  constructor(
    private readonly data: Buffer,
    private readonly command: number,
  ) {}

  get remaining(): number {
    return this.data.length - this.offset;
  }

  fail(what: string): never {
    throw new ProtocolError(
      'MALFORMED',
      `${String.fromCharCode(this.command)}: ${what}`,
      this.command,
      this.data,
    );
  }

  uint32(field: string): number {
    if (this.remaining < 4) this.fail(`${field}: needs 4 bytes, ${this.remaining} left`);
    const v = this.data.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  uint16(field: string): number {
    if (this.remaining < 2) this.fail(`${field}: needs 2 bytes, ${this.remaining} left`);
    const v = this.data.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  byte(field: string): number {
    if (this.remaining < 1) this.fail(`${field}: missing`);
    return this.data[this.offset++]!;
  }

  /** A NUL-terminated string; the NUL is required. */
  cstring(field: string): string {
    const end = this.data.indexOf(0, this.offset);
    if (end < 0) this.fail(`${field}: missing NUL terminator`);
    const s = this.data.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return s;
  }

  rest(): Buffer {
    const b = this.data.subarray(this.offset);
    this.offset = this.data.length;
    return b;
  }

  end(): void {
    if (this.remaining !== 0) this.fail(`${this.remaining} unexpected trailing bytes`);
  }
}
