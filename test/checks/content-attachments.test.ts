import { describe, expect, it } from 'vitest';
import { attachmentCheck } from '../../src/checks/content/attachments.js';
import { buildZip } from '../message/build-zip.js';
import { hitsOf, symbolsOf, wellFormedSymbols } from './content-support.js';

const PE = Buffer.concat([Buffer.from('MZ\x90\x00', 'latin1'), Buffer.alloc(100)]);
const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n', 'latin1');

/** A message with one base64 attachment. */
function attached(type: string, filename: string | undefined, data: Buffer): string {
  return [
    'Content-Type: multipart/mixed; boundary=sep', '', '--sep', 'Content-Type: text/plain', '', 'see attached', '--sep',
    `Content-Type: ${type}`, 'Content-Transfer-Encoding: base64',
    ...(filename === undefined ? [] : [`Content-Disposition: attachment; filename="${filename}"`]),
    '', data.toString('base64'), '--sep--', '',
  ].join('\n');
}

describe('attachment rules', () => {
  it('declares ATTACH_ symbols with descriptions and scores', () => {
    expect(wellFormedSymbols(attachmentCheck, 'ATTACH_')).toBe(true);
  });

  it('an ordinary PDF or photo hits nothing', () => {
    expect(symbolsOf(attachmentCheck, attached('application/pdf', 'invoice.pdf', PDF))).toEqual([]);
    expect(symbolsOf(attachmentCheck, attached('image/png', 'photo.png', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0])))).toEqual([]); // a JPEG called PNG
    expect(symbolsOf(attachmentCheck, attached('application/zip', 'docs.zip', buildZip([{ name: 'a.txt' }, { name: 'b.pdf' }])))).toEqual([]);
  });

  it('ATTACH_EXECUTABLE by name or by content; ATTACH_DOUBLE_EXT for decoy extensions', () => {
    expect(symbolsOf(attachmentCheck, attached('application/octet-stream', 'setup.exe', PE))).toEqual(['ATTACH_EXECUTABLE']);
    expect(symbolsOf(attachmentCheck, attached('application/octet-stream', 'update.js', Buffer.from('WScript.Shell')))).toEqual(['ATTACH_EXECUTABLE']);
    expect(symbolsOf(attachmentCheck, attached('application/octet-stream', 'data.bin', PE))).toEqual(['ATTACH_EXECUTABLE']);
    expect(symbolsOf(attachmentCheck, attached('application/octet-stream', 'Invoice.PDF.exe', PE))).toEqual(['ATTACH_DOUBLE_EXT', 'ATTACH_EXECUTABLE']);
    expect(symbolsOf(attachmentCheck, attached('application/octet-stream', 'report.2024.pdf', PDF))).toEqual([]);
  });

  it('ATTACH_MACRO_OFFICE by extension or by the VBA project inside', () => {
    const docm = buildZip([{ name: '[Content_Types].xml' }, { name: 'word/vbaProject.bin' }]);
    expect(symbolsOf(attachmentCheck, attached('application/octet-stream', 'orders.xlsm', buildZip([{ name: '[Content_Types].xml' }])))).toEqual(['ATTACH_MACRO_OFFICE']);
    expect(symbolsOf(attachmentCheck, attached('application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'letter.docx', docm))).toEqual(['ATTACH_MACRO_OFFICE']);
  });

  it('ATTACH_ARCHIVE_EXE and ATTACH_ENCRYPTED_ARCHIVE from the zip directory', () => {
    const zip = buildZip([{ name: 'readme.txt' }, { name: 'scan_0042.pdf.scr', encrypted: true }]);
    expect(hitsOf(attachmentCheck, attached('application/zip', 'scan.zip', zip))).toEqual([
      { symbol: 'ATTACH_ARCHIVE_EXE', detail: 'scan.zip: scan_0042.pdf.scr' },
      { symbol: 'ATTACH_ENCRYPTED_ARCHIVE', detail: 'scan.zip' },
    ]);
  });

  it('ATTACH_TYPE_MISMATCH when content contradicts the declared type or the name', () => {
    expect(hitsOf(attachmentCheck, attached('application/pdf', 'statement.pdf', buildZip([{ name: 'x.txt' }])))).toEqual([
      { symbol: 'ATTACH_TYPE_MISMATCH', detail: 'statement.pdf: application/pdf is zip' },
    ]);
    expect(symbolsOf(attachmentCheck, attached('application/octet-stream', 'photo.jpg', PDF))).toEqual(['ATTACH_TYPE_MISMATCH']);
    expect(symbolsOf(attachmentCheck, attached('application/pdf', 'statement.pdf', PE))).toEqual(['ATTACH_EXECUTABLE', 'ATTACH_TYPE_MISMATCH']);
  });

  it('follows a message attached as a file to the files it carries', () => {
    const inner = ['Subject: fwd', 'Content-Type: multipart/mixed; boundary=in', '', '--in', 'Content-Type: text/plain', '', 'run the tool',
      '--in', 'Content-Type: application/octet-stream; name="tool.scr"', 'Content-Transfer-Encoding: base64', '', PE.toString('base64'), '--in--'].join('\n');
    const eml = ['Content-Type: multipart/mixed; boundary=out', '', '--out', 'Content-Type: text/plain', '', 'see below', '--out',
      'Content-Type: message/rfc822', 'Content-Disposition: attachment; filename="fwd.eml"', '', inner, '--out--', ''].join('\n');
    expect(hitsOf(attachmentCheck, eml)).toEqual([{ symbol: 'ATTACH_EXECUTABLE', detail: 'tool.scr' }]);
  });
});
