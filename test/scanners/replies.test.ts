import { describe, expect, it } from 'vitest';
import { heuristicSymbol, safeVirusName } from '../../src/checks/clamav/names.js';
import { parseClamdReply } from '../../src/scanners/clamd.js';
import { parseSpamdAnswer, spamdRequest } from '../../src/scanners/spamc.js';

describe('clamd answers', () => {
  it('reads OK, FOUND and ERROR, with or without the NUL', () => {
    expect(parseClamdReply('stream: OK\0')).toEqual({ kind: 'clean' });
    expect(parseClamdReply('stream: Eicar-Test-Signature FOUND\0')).toEqual({ kind: 'found', name: 'Eicar-Test-Signature' });
    expect(parseClamdReply('stream: Win.Test.EICAR_HDB-1 FOUND')).toEqual({ kind: 'found', name: 'Win.Test.EICAR_HDB-1' });
    expect(parseClamdReply('INSTREAM size limit exceeded. ERROR\0')).toEqual({ kind: 'error', message: 'INSTREAM size limit exceeded.', sizeLimit: true });
    expect(parseClamdReply('stream: Can\'t allocate memory ERROR')).toMatchObject({ kind: 'error', sizeLimit: false });
    expect(parseClamdReply('')).toEqual({ kind: 'error', message: 'empty answer', sizeLimit: false });
  });

  it("sorts ClamAV's heuristic names from virus names", () => {
    expect(heuristicSymbol('Heuristics.Encrypted.Zip')).toBe('CLAMAV_ENCRYPTED');
    expect(heuristicSymbol('Heuristics.OLE2.ContainsMacros')).toBe('CLAMAV_MACROS');
    expect(heuristicSymbol('Heuristics.Limits.Exceeded.MaxFileSize')).toBe('CLAMAV_LIMITS');
    expect(heuristicSymbol('Heuristics.Phishing.Email.SpoofedDomain')).toBe('CLAMAV_PHISHING');
    expect(heuristicSymbol('Heuristics.Broken.Executable')).toBe('CLAMAV_HEURISTIC');
    expect(heuristicSymbol('Eicar-Test-Signature')).toBeUndefined();
    expect(heuristicSymbol('Win.Trojan.Agent-123')).toBeUndefined();
  });

  it('keeps a virus name safe for an SMTP reply and a header', () => {
    expect(safeVirusName('Eicar-Test-Signature.UNOFFICIAL')).toBe('Eicar-Test-Signature.UNOFFICIAL');
    expect(safeVirusName('bad\r\nname (x)')).toBe('bad_name__x_');
    expect(safeVirusName('')).toBe('unknown');
    expect(safeVirusName('A'.repeat(300))).toHaveLength(100);
  });
});

describe('spamd answers', () => {
  it('reads SYMBOLS: score, required and rule names', () => {
    const a = parseSpamdAnswer('SPAMD/1.1 0 EX_OK\r\nContent-length: 24\r\nSpam: True ; 1004.2 / 5.0\r\n\r\nGTUBE,MISSING_DATE,NO_RELAYS', 'SYMBOLS');
    expect(a).toEqual({ spam: true, score: 1004.2, required: 5, rules: [{ name: 'GTUBE' }, { name: 'MISSING_DATE' }, { name: 'NO_RELAYS' }] });
    expect(parseSpamdAnswer('SPAMD/1.1 0 EX_OK\r\nSpam: False ; -1.5 / 5.0\r\n\r\n', 'SYMBOLS')).toEqual({ spam: false, score: -1.5, required: 5, rules: [] });
  });

  it('reads the rule table of REPORT', () => {
    const body = ' pts rule name              description\n---- ---------------------- ----\n 2.7 MISSING_DATE           Missing Date: header\n-0.0 NO_RECEIVED            Informational\n1000 GTUBE                  BODY: Generic Test\n';
    const a = parseSpamdAnswer(`SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1002.7 / 5.0\r\n\r\n${body}`, 'REPORT');
    expect(a.rules).toEqual([{ name: 'MISSING_DATE', points: 2.7 }, { name: 'NO_RECEIVED', points: -0 }, { name: 'GTUBE', points: 1000 }]);
  });

  it('a refusal or garbage is an error naming it', () => {
    expect(() => parseSpamdAnswer('SPAMD/1.0 76 Bad header line: (EOF)\r\n\r\n', 'SYMBOLS')).toThrow(/refused the request: 76 Bad header line/);
    expect(() => parseSpamdAnswer('HTTP/1.1 400 Bad Request\r\n\r\n', 'SYMBOLS')).toThrow(/not a spamd answer/);
    expect(() => parseSpamdAnswer('SPAMD/1.1 0 EX_OK\r\n\r\n', 'SYMBOLS')).toThrow(/without a Spam header/);
  });

  it('sends Content-length and the optional User header', () => {
    const msg = Buffer.from('Subject: x\r\n\r\nhi\r\n');
    expect(spamdRequest('SYMBOLS', msg, null).toString()).toBe(`SYMBOLS SPAMC/1.5\r\nContent-length: ${msg.length}\r\n\r\n${msg.toString()}`);
    expect(spamdRequest('REPORT', msg, 'mail').toString()).toMatch(/^REPORT SPAMC\/1\.5\r\nContent-length: \d+\r\nUser: mail\r\n\r\n/);
  });
});
