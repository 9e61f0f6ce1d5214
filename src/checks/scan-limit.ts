import type { Check } from '../engine/check.js';

/** Says when part of the message was passed through unscanned (limits.max_scan_bytes / max_headers). */
export const scanLimitCheck: Check = {
  name: 'scan-limit',
  stage: 'eom',
  symbols: {
    NOT_FULLY_SCANNED: { score: 0, description: 'Message larger than the scan limit; only its start was checked' },
  },
  run({ message }) {
    if (!message.truncated) return [];
    return [{ symbol: 'NOT_FULLY_SCANNED', detail: `scanned ${message.scannedBytes} bytes` }];
  },
};
