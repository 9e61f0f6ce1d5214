import { describe, it, expect } from 'vitest';
import {
  actionFor,
  encodeModification,
  encodeReply,
  formatReplyCode,
  parseReplyCode,
  Action,
  type Modification,
} from '../../protocol/index.js';
import { packet, u32, z } from './bytes.js';

const hex = (b: Buffer) => b.toString('hex');
const one = (m: Modification): Buffer => {
  const frames = encodeModification(m);
  expect(frames).toHaveLength(1);
  return frames[0]!;
};

describe('encodeReply: bare replies', () => {
  it.each([
    ['accept', 0x61],
    ['continue', 0x63],
    ['discard', 0x64],
    ['reject', 0x72],
    ['tempfail', 0x74],
    ['skip', 0x73],
    ['progress', 0x70],
    ['shutdown', 0x34],
    ['conn_fail', 0x66],
  ] as const)('%s is [0,0,0,1,0x%s]', (kind, byte) => {
    expect([...encodeReply({ kind })]).toEqual([0, 0, 0, 1, byte]);
  });

  it('allocates a new buffer per call', () => {
    expect(encodeReply({ kind: 'accept' })).not.toBe(encodeReply({ kind: 'accept' }));
  });
});

describe('encodeReply: REPLYCODE', () => {
  it('single line with an enhanced code', () => {
    const text = '550 5.7.1 Message rejected';
    const expected = Buffer.concat([u32(text.length + 2), Buffer.from('y'), z(text)]);
    expect(hex(encodeReply({ kind: 'replycode', code: 550, xcode: '5.7.1', text: 'Message rejected' }))).toBe(
      hex(expected),
    );
  });

  it('single line without an enhanced code gets the class default', () => {
    const frame = encodeReply({ kind: 'replycode', code: 451, text: 'try later' });
    expect(hex(frame)).toBe(hex(packet('y', z('451 4.0.0 try later'))));
  });

  it('multi-line uses "-" on all but the last line and CRLF between lines', () => {
    const frame = encodeReply({ kind: 'replycode', code: 550, xcode: '5.7.1', text: ['first', 'second', 'last'] });
    expect(frame.subarray(5).toString()).toBe('550-5.7.1 first\r\n550-5.7.1 second\r\n550 5.7.1 last\0');
    expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
  });

  it('doubles %', () => {
    expect(formatReplyCode({ kind: 'replycode', code: 550, xcode: '5.7.1', text: '100% spam %s' })).toBe(
      '550 5.7.1 100%% spam %%s',
    );
  });

  it('refuses codes that are not 4xx or 5xx', () => {
    for (const code of [250, 399, 600, 55, 550.5]) {
      expect(() => encodeReply({ kind: 'replycode', code, text: 'x' })).toThrow(RangeError);
    }
  });

  it('refuses an enhanced code of another class or a malformed one', () => {
    expect(() => formatReplyCode({ kind: 'replycode', code: 550, xcode: '4.7.1', text: 'x' })).toThrow(RangeError);
    expect(() => formatReplyCode({ kind: 'replycode', code: 450, xcode: '5.7.1', text: 'x' })).toThrow(RangeError);
    expect(() => formatReplyCode({ kind: 'replycode', code: 550, xcode: '5.7', text: 'x' })).toThrow(RangeError);
    expect(() => formatReplyCode({ kind: 'replycode', code: 550, xcode: '5.1000.1', text: 'x' })).toThrow(RangeError);
  });

  it('refuses CR, LF or NUL in the text', () => {
    for (const text of ['a\r\nb', 'a\nb', 'a\rb', 'a\0b', ['ok', 'bad\n']]) {
      expect(() => formatReplyCode({ kind: 'replycode', code: 550, text })).toThrow(RangeError);
    }
  });

  it('refuses 0 or more than 32 lines', () => {
    expect(() => formatReplyCode({ kind: 'replycode', code: 550, text: [] })).toThrow(RangeError);
    const lines = Array.from({ length: 33 }, (_, i) => `line ${i}`);
    expect(() => formatReplyCode({ kind: 'replycode', code: 550, text: lines })).toThrow(RangeError);
    expect(() => formatReplyCode({ kind: 'replycode', code: 550, text: lines.slice(0, 32) })).not.toThrow();
  });
});

describe('parseReplyCode', () => {
  it('parses code, enhanced code and text', () => {
    expect(parseReplyCode('550 5.7.1 Message rejected as spam')).toEqual({
      kind: 'replycode',
      code: 550,
      xcode: '5.7.1',
      text: 'Message rejected as spam',
    });
  });

  it('parses a reply without an enhanced code', () => {
    expect(parseReplyCode('451 try again later')).toEqual({ kind: 'replycode', code: 451, text: 'try again later' });
  });

  it('parses a bare code', () => {
    expect(parseReplyCode('554')).toEqual({ kind: 'replycode', code: 554, text: '' });
  });

  it('refuses non-replies and class mismatches', () => {
    for (const s of ['250 ok', 'hello', '55 x', '550 4.7.1 wrong class', '']) {
      expect(() => parseReplyCode(s)).toThrow(RangeError);
    }
  });

  it('round-trips through formatReplyCode', () => {
    expect(formatReplyCode(parseReplyCode('550 5.7.1 Message rejected'))).toBe('550 5.7.1 Message rejected');
  });
});

describe('encodeModification', () => {
  it('ADDHEADER: name NUL value NUL', () => {
    expect(hex(one({ kind: 'addheader', name: 'X-Spam-Status', value: 'No, score=1.2' }))).toBe(
      hex(packet('h', z('X-Spam-Status'), z('No, score=1.2'))),
    );
  });

  it('ADDHEADER: CRLF and CR folding become LF', () => {
    expect(hex(one({ kind: 'addheader', name: 'X-Spam-Report', value: 'a\r\n\tb\r\tc' }))).toBe(
      hex(packet('h', z('X-Spam-Report'), z('a\n\tb\n\tc'))),
    );
  });

  it('INSHEADER: uint32 index, name NUL, value NUL', () => {
    expect([...one({ kind: 'insheader', index: 0, name: 'X-A', value: 'v' })]).toEqual([
      0, 0, 0, 11, 0x69, 0, 0, 0, 0, 0x58, 0x2d, 0x41, 0, 0x76, 0,
    ]);
  });

  it('CHGHEADER: 1-based index; an empty value deletes', () => {
    expect(hex(one({ kind: 'chgheader', index: 2, name: 'X-Spam-Flag', value: 'YES' }))).toBe(
      hex(packet('m', u32(2), z('X-Spam-Flag'), z('YES'))),
    );
    expect([...one({ kind: 'chgheader', index: 1, name: 'X-Spam', value: '' })]).toEqual([
      0, 0, 0, 13, 0x6d, 0, 0, 0, 1, 0x58, 0x2d, 0x53, 0x70, 0x61, 0x6d, 0, 0,
    ]);
  });

  it('refuses bad header names, NUL in values and bad indexes', () => {
    expect(() => encodeModification({ kind: 'addheader', name: 'Bad:Name', value: 'v' })).toThrow(RangeError);
    expect(() => encodeModification({ kind: 'addheader', name: '', value: 'v' })).toThrow(RangeError);
    expect(() => encodeModification({ kind: 'addheader', name: 'X A', value: 'v' })).toThrow(RangeError);
    expect(() => encodeModification({ kind: 'addheader', name: 'X-A', value: 'a\0b' })).toThrow(RangeError);
    expect(() => encodeModification({ kind: 'chgheader', index: -1, name: 'X-A', value: '' })).toThrow(RangeError);
    expect(() => encodeModification({ kind: 'insheader', index: 2 ** 32, name: 'X-A', value: '' })).toThrow(
      RangeError,
    );
  });

  it('ADDRCPT, DELRCPT: recipient NUL', () => {
    expect(hex(one({ kind: 'addrcpt', rcpt: '<spam@example.org>' }))).toBe(hex(packet('+', z('<spam@example.org>'))));
    expect(hex(one({ kind: 'delrcpt', rcpt: '<bob@example.com>' }))).toBe(hex(packet('-', z('<bob@example.com>'))));
  });

  it('ADDRCPT_PAR: recipient NUL, space-separated args NUL', () => {
    expect(hex(one({ kind: 'addrcpt_par', rcpt: '<a@b>', args: ['NOTIFY=NEVER', 'ORCPT=rfc822;a@b'] }))).toBe(
      hex(packet('2', z('<a@b>'), z('NOTIFY=NEVER ORCPT=rfc822;a@b'))),
    );
  });

  it('CHGFROM with and without ESMTP args', () => {
    expect(hex(one({ kind: 'chgfrom', from: '<bounce@example.org>', args: [] }))).toBe(
      hex(packet('e', z('<bounce@example.org>'))),
    );
    expect(hex(one({ kind: 'chgfrom', from: '<>', args: ['SIZE=10', 'BODY=8BITMIME'] }))).toBe(
      hex(packet('e', z('<>'), z('SIZE=10 BODY=8BITMIME'))),
    );
  });

  it('REPLBODY: a 150000-byte body is 3 frames of at most 65535 bytes', () => {
    const body = Buffer.alloc(150000);
    for (let i = 0; i < body.length; i++) body[i] = i & 0xff;
    const frames = encodeModification({ kind: 'replbody', body });
    expect(frames.map((f) => f.readUInt32BE(0) - 1)).toEqual([65535, 65535, 150000 - 2 * 65535]);
    for (const f of frames) expect(f[4]).toBe(0x62);
    expect(Buffer.concat(frames.map((f) => f.subarray(5))).equals(body)).toBe(true);
  });

  it('REPLBODY: exactly 65535 bytes is one frame; an empty body is one empty frame', () => {
    expect(encodeModification({ kind: 'replbody', body: Buffer.alloc(65535) })).toHaveLength(1);
    expect(encodeModification({ kind: 'replbody', body: Buffer.alloc(65536) })).toHaveLength(2);
    expect(encodeModification({ kind: 'replbody', body: Buffer.alloc(0) }).map(hex)).toEqual(['0000000162']);
  });

  it('QUARANTINE: reason NUL', () => {
    expect(hex(one({ kind: 'quarantine', reason: 'spam score 30' }))).toBe(hex(packet('q', z('spam score 30'))));
  });

  it('actionFor names the SMFIF_* action each modification needs', () => {
    expect(actionFor('addheader')).toBe(Action.ADDHDRS);
    expect(actionFor('insheader')).toBe(Action.ADDHDRS);
    expect(actionFor('chgheader')).toBe(Action.CHGHDRS);
    expect(actionFor('addrcpt')).toBe(Action.ADDRCPT);
    expect(actionFor('addrcpt_par')).toBe(Action.ADDRCPT_PAR);
    expect(actionFor('delrcpt')).toBe(Action.DELRCPT);
    expect(actionFor('chgfrom')).toBe(Action.CHGFROM);
    expect(actionFor('replbody')).toBe(Action.CHGBODY);
    expect(actionFor('quarantine')).toBe(Action.QUARANTINE);
  });
});
