import { createHash } from 'node:crypto';
import type { Message } from '../message/message.js';

/**
 * A stable id for learning: sha256 of the Message-ID and the scanned body with line ends
 * made LF. The same message learned twice (from a Maildir file with LF, or autolearned from
 * the MTA with CRLF) counts once; two messages that share a Message-ID (forged or missing)
 * but differ in body do not collide.
 */
export function learnId(message: Message): string {
  const messageId = (message.header('message-id')[0] ?? '').trim();
  const body = message.body.includes(0x0d) ? Buffer.from(message.body.toString('latin1').replace(/\r\n/g, '\n'), 'latin1') : message.body;
  return createHash('sha256').update(messageId).update('\0').update(body).digest('hex');
}
