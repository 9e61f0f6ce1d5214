// Hand-built wire bytes for the protocol tests, written from SPEC.md rather than from the
// encoders under test: uint32 length (command byte + data) | command | data.

/** A NUL-terminated string. */
export const z = (s: string): Buffer => Buffer.from(`${s}\0`, 'utf8');

export const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
};

export const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n, 0);
  return b;
};

/** One packet; `command` is the command character, e.g. 'C'. */
export function packet(command: string, ...parts: (Buffer | string)[]): Buffer {
  const data = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
  return Buffer.concat([u32(data.length + 1), Buffer.from(command, 'latin1'), data]);
}
