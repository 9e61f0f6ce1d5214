import { Message, type ScanLimits } from './message.js';

/**
 * Builds a Message from raw RFC 5322 bytes (a .eml file), for `thresher check`.
 * Headers end at the first empty line; folded lines are kept with their line ends, as the
 * MTA hands them to a milter.
 */
export function messageFromRaw(raw: Buffer, limits: ScanLimits): Message {
  const msg = new Message(limits);
  const { headerEnd, bodyStart } = findHeaderEnd(raw);
  const lines = raw.toString('utf8', 0, headerEnd).split(/\r?\n/);
  let current: { name: string; value: string } | undefined;
  const flush = () => {
    if (current) msg.addHeader(current.name, current.value);
    current = undefined;
  };
  for (const line of lines) {
    if (line === '') continue;
    if ((line[0] === ' ' || line[0] === '\t') && current) {
      current.value += `\r\n${line}`;
      continue;
    }
    flush();
    const colon = line.indexOf(':');
    if (colon <= 0) continue; // mbox "From " line or garbage: not a header field
    current = { name: line.slice(0, colon), value: line.slice(colon + 1).replace(/^ /, '') };
  }
  flush();
  msg.addBody(raw.subarray(bodyStart));
  return msg;
}

function findHeaderEnd(raw: Buffer): { headerEnd: number; bodyStart: number } {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { headerEnd: crlf, bodyStart: crlf + 4 };
  if (lf >= 0) return { headerEnd: lf, bodyStart: lf + 2 };
  return { headerEnd: raw.length, bodyStart: raw.length };
}
