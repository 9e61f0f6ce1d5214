/** Allocates one frame: uint32 length | command | parts. One allocation per call, no shared buffer. */
export function frame(command: number, ...parts: (Buffer | string)[]): Buffer {
  const bufs = parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p));
  let size = 1;
  for (const b of bufs) size += b.length;
  const out = Buffer.allocUnsafe(4 + size);
  out.writeUInt32BE(size, 0);
  out[4] = command;
  let offset = 5;
  for (const b of bufs) offset += b.copy(out, offset);
  return out;
}

/** A string with its NUL terminator; refuses embedded NULs, which would shift every field after. */
export function cstr(s: string, field: string): Buffer {
  if (s.includes('\0')) throw new RangeError(`${field} must not contain NUL`);
  const b = Buffer.allocUnsafe(Buffer.byteLength(s) + 1);
  b.write(s, 0, 'utf8');
  b[b.length - 1] = 0;
  return b;
}

export function uint32(n: number, field: string): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new RangeError(`${field} must be an unsigned 32-bit integer, got ${n}`);
  }
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n, 0);
  return b;
}
