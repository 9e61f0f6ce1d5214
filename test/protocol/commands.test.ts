import { describe, it, expect } from 'vitest';
import { decodeCommand, FrameDecoder, ProtocolError, type MilterCommand } from '../../protocol/index.js';
import { mta } from '../../protocol/testing/mta.js';
import { packet, u16, u32, z } from './bytes.js';

/** Frames a packet and decodes its single command. */
function decode(bytes: Buffer): MilterCommand {
  const frames = new FrameDecoder().push(bytes);
  expect(frames).toHaveLength(1);
  return decodeCommand(frames[0]!);
}

function codeOf(bytes: Buffer): string {
  try {
    decode(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError); // never a RangeError from an out-of-range read
    return (e as ProtocolError).code;
  }
  throw new Error('expected a ProtocolError');
}

describe('decodeCommand: well-formed commands', () => {
  it('OPTNEG', () => {
    expect(decode(packet('O', u32(6), u32(0x1ff), u32(0x1fffff)))).toEqual({
      kind: 'optneg',
      version: 6,
      actions: 0x1ff,
      protocol: 0x1fffff,
    });
  });

  it('OPTNEG ignores bytes after the first 12, as libmilter does', () => {
    expect(decode(packet('O', u32(2), u32(0x3f), u32(0x7f), u32(99)))).toMatchObject({ version: 2 });
  });

  it('MACRO with pairs', () => {
    const cmd = decode(packet('D', 'C', z('j'), z('mx.example.org'), z('{daemon_name}'), z('smtpd')));
    expect(cmd).toEqual({ kind: 'macro', stage: 'C', macros: { j: 'mx.example.org', '{daemon_name}': 'smtpd' } });
  });

  it('MACRO with a stage byte only (Postfix, stage without macros)', () => {
    expect(decode(packet('D', 'T'))).toEqual({ kind: 'macro', stage: 'T', macros: {} });
  });

  it('MACRO with an empty value', () => {
    expect(decode(packet('D', 'M', z('{auth_authen}'), z('')))).toMatchObject({ macros: { '{auth_authen}': '' } });
  });

  it('MACRO named __proto__ is kept like any other name', () => {
    const cmd = decode(packet('D', 'C', z('__proto__'), z('x'))) as Extract<MilterCommand, { kind: 'macro' }>;
    expect(Object.keys(cmd.macros)).toEqual(['__proto__']);
    expect(cmd.macros['__proto__']).toBe('x');
  });

  it('CONNECT family 4', () => {
    expect(decode(packet('C', z('client.example.net'), '4', u16(49152), z('192.0.2.1')))).toEqual({
      kind: 'connect',
      hostname: 'client.example.net',
      family: 'inet',
      port: 49152,
      address: '192.0.2.1',
    });
  });

  it('CONNECT family 6', () => {
    expect(decode(packet('C', z('[2001:db8::1]'), '6', u16(25), z('2001:db8::1')))).toEqual({
      kind: 'connect',
      hostname: '[2001:db8::1]',
      family: 'inet6',
      port: 25,
      address: '2001:db8::1',
    });
  });

  it('CONNECT family L (unix socket, port 0)', () => {
    expect(decode(packet('C', z('localhost'), 'L', u16(0), z('/var/run/smtp.sock')))).toEqual({
      kind: 'connect',
      hostname: 'localhost',
      family: 'unix',
      port: 0,
      address: '/var/run/smtp.sock',
    });
  });

  it('CONNECT family U has nothing after the family byte', () => {
    expect(decode(packet('C', z('unknown'), 'U'))).toEqual({
      kind: 'connect',
      hostname: 'unknown',
      family: 'unknown',
      port: 0,
      address: '',
    });
  });

  it('HELO', () => {
    expect(decode(packet('H', z('client.example.net')))).toEqual({ kind: 'helo', name: 'client.example.net' });
  });

  it('MAIL with ESMTP arguments', () => {
    expect(decode(packet('M', z('<alice@example.org>'), z('SIZE=1024'), z('BODY=8BITMIME')))).toEqual({
      kind: 'mail',
      address: '<alice@example.org>',
      args: ['SIZE=1024', 'BODY=8BITMIME'],
    });
  });

  it('MAIL with the null sender and no arguments', () => {
    expect(decode(packet('M', z('<>')))).toEqual({ kind: 'mail', address: '<>', args: [] });
  });

  it('RCPT with an ESMTP argument', () => {
    expect(decode(packet('R', z('<bob@example.com>'), z('NOTIFY=NEVER')))).toEqual({
      kind: 'rcpt',
      address: '<bob@example.com>',
      args: ['NOTIFY=NEVER'],
    });
  });

  it('HEADER keeps the value as sent, folded lines included', () => {
    expect(decode(packet('L', z('Subject'), z(' hello\n\tworld')))).toEqual({
      kind: 'header',
      name: 'Subject',
      value: ' hello\n\tworld',
    });
  });

  it('HEADER with an empty value', () => {
    expect(decode(packet('L', z('X-Empty'), z('')))).toEqual({ kind: 'header', name: 'X-Empty', value: '' });
  });

  it('BODY chunk is a view of the received bytes, not a copy', () => {
    const bytes = packet('B', 'line one\r\nline two\r\n');
    const [frame] = new FrameDecoder().push(bytes);
    const cmd = decodeCommand(frame!);
    expect(cmd.kind).toBe('body');
    if (cmd.kind !== 'body') return;
    expect(cmd.chunk.toString()).toBe('line one\r\nline two\r\n');
    expect(cmd.chunk.buffer).toBe(bytes.buffer);
    expect(cmd.chunk.byteOffset).toBe(bytes.byteOffset + 5);
  });

  it('BODY chunk may hold NUL and non-UTF-8 bytes', () => {
    const cmd = decode(packet('B', Buffer.from([0, 0xff, 0xfe, 0x0d, 0x0a])));
    expect(cmd.kind === 'body' && [...cmd.chunk]).toEqual([0, 0xff, 0xfe, 0x0d, 0x0a]);
  });

  it('BODYEOB, empty and with trailing body bytes', () => {
    expect(decode(packet('E'))).toEqual({ kind: 'eom', chunk: Buffer.alloc(0) });
    const cmd = decode(packet('E', 'tail'));
    expect(cmd.kind === 'eom' && cmd.chunk.toString()).toBe('tail');
  });

  it('commands without data: DATA, EOH, ABORT, QUIT, QUIT_NC', () => {
    expect(decode(packet('T'))).toEqual({ kind: 'data' });
    expect(decode(packet('N'))).toEqual({ kind: 'eoh' });
    expect(decode(packet('A'))).toEqual({ kind: 'abort' });
    expect(decode(packet('Q'))).toEqual({ kind: 'quit' });
    expect(decode(packet('K'))).toEqual({ kind: 'quit_nc' });
  });

  it('commands without data ignore stray bytes, as libmilter does', () => {
    expect(decode(packet('A', 'x'))).toEqual({ kind: 'abort' });
  });

  it('UNKNOWN', () => {
    expect(decode(packet('U', z('XFOO bar')))).toEqual({ kind: 'unknown', line: 'XFOO bar' });
  });

  it('agrees with the MTA-side encoders in protocol/testing/mta.ts', () => {
    expect(mta.connect('h', 'U').equals(packet('C', z('h'), 'U'))).toBe(true);
    expect(mta.connect('h', '4', 25, '192.0.2.1').equals(packet('C', z('h'), '4', u16(25), z('192.0.2.1')))).toBe(true);
    expect(mta.macro(0x43, { j: 'mx' }).equals(packet('D', 'C', z('j'), z('mx')))).toBe(true);
    expect(mta.mail('<a@b>', 'SIZE=1').equals(packet('M', z('<a@b>'), z('SIZE=1')))).toBe(true);
    expect(mta.quitNc().equals(packet('K'))).toBe(true);
  });
});

describe('decodeCommand: malformed commands are ProtocolErrors', () => {
  it('HELO without its NUL', () => {
    expect(codeOf(packet('H', 'client.example.net'))).toBe('MALFORMED');
  });

  it('MAIL without data, and an ESMTP argument without its NUL', () => {
    expect(codeOf(packet('M'))).toBe('MALFORMED');
    expect(codeOf(packet('M', z('<a@b>'), 'SIZE=1'))).toBe('MALFORMED');
  });

  it('HEADER without a value, and with a value missing its NUL', () => {
    expect(codeOf(packet('L', z('Subject')))).toBe('MALFORMED');
    expect(codeOf(packet('L', z('Subject'), 'hi'))).toBe('MALFORMED');
  });

  it('HEADER with trailing bytes', () => {
    expect(codeOf(packet('L', z('Subject'), z('hi'), 'x'))).toBe('MALFORMED');
  });

  it('short OPTNEG', () => {
    expect(codeOf(packet('O', u32(6), u32(0x1ff)))).toBe('MALFORMED');
    expect(codeOf(packet('O'))).toBe('MALFORMED');
  });

  it('CONNECT missing the port bytes', () => {
    expect(codeOf(packet('C', z('h'), '4'))).toBe('MALFORMED');
    expect(codeOf(packet('C', z('h'), '4', Buffer.from([0])))).toBe('MALFORMED');
  });

  it('CONNECT missing the family byte, or the address NUL', () => {
    expect(codeOf(packet('C', z('h')))).toBe('MALFORMED');
    expect(codeOf(packet('C', z('h'), '4', u16(25), '192.0.2.1'))).toBe('MALFORMED');
  });

  it('CONNECT with an unknown family', () => {
    expect(codeOf(packet('C', z('h'), 'X', u16(25), z('192.0.2.1')))).toBe('MALFORMED');
  });

  it('CONNECT family U with bytes after the family', () => {
    expect(codeOf(packet('C', z('h'), 'U', u16(0)))).toBe('MALFORMED');
  });

  it('MACRO without a stage byte', () => {
    expect(codeOf(packet('D'))).toBe('MALFORMED');
  });

  it('MACRO name without a value', () => {
    expect(codeOf(packet('D', 'C', z('j')))).toBe('MALFORMED');
    expect(codeOf(packet('D', 'C', z('j'), 'mx'))).toBe('MALFORMED');
  });

  it('UNKNOWN without its NUL', () => {
    expect(codeOf(packet('U', 'XFOO'))).toBe('MALFORMED');
  });

  it('an unknown command byte', () => {
    expect(codeOf(packet('Z', 'whatever'))).toBe('UNKNOWN_COMMAND');
    expect(codeOf(packet('\x00'))).toBe('UNKNOWN_COMMAND');
  });

  it('the error names the command and previews the payload in hex', () => {
    try {
      decode(packet('H', 'ab'));
      expect.unreachable();
    } catch (e) {
      const err = e as ProtocolError;
      expect(err.command).toBe('H');
      expect(err.preview).toBe('6162');
    }
  });
});
