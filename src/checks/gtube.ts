import type { Check } from '../engine/check.js';

/** The Generic Test for Unsolicited Bulk Email (SpamAssassin's test string). */
export const GTUBE = Buffer.from('XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X');

/** GTUBE anywhere in the scanned body: lets an admin test the whole path end to end. */
export const gtubeCheck: Check = {
  name: 'gtube',
  stage: 'eom',
  needsBody: true,
  symbols: {
    GTUBE: { score: 1000, description: 'Body contains the GTUBE test string' },
  },
  run({ message }) {
    return message.body.indexOf(GTUBE) >= 0 ? [{ symbol: 'GTUBE' }] : [];
  },
};
