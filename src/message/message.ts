// The message model handed to checks: envelope, headers and the scanned part of the body.
// Filled incrementally by the milter session, or at once from a file by `thresher check`.

export interface ClientInfo {
  /** Reverse-DNS name as the MTA saw it (Postfix: "unknown" when there is none). */
  hostname: string;
  /** IP address, unix socket path, or '' when the MTA does not know. */
  address: string;
  port: number;
  family: 'unknown' | 'unix' | 'inet' | 'inet6';
}

export interface EnvelopeAddress {
  /** Without angle brackets; '' for the null sender. */
  address: string;
  args: string[];
}

export interface HeaderField {
  name: string;
  /** The value as received, without the leading space after the colon. */
  value: string;
}

/** How much of the message is kept for scanning. */
export interface ScanLimits {
  maxScanBytes: number;
  maxHeaders: number;
}

export class Message {
  client: ClientInfo | undefined;
  helo: string | undefined;
  /** The client logged in (SMTP AUTH) before MAIL: a user of this site, wherever it connects from. */
  authenticated = false;
  /** The SPF check's answer for the envelope sender, set at the mail stage. */
  spf?: { result: 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'temperror' | 'permerror'; domain: string };
  sender: EnvelopeAddress | undefined;
  readonly recipients: EnvelopeAddress[] = [];
  /** Headers kept for scanning (at most maxHeaders, within maxScanBytes). */
  readonly headers: HeaderField[] = [];
  /** All headers seen, kept or not. */
  headerCount = 0;
  /** Body bytes seen, kept or not. */
  bodyBytes = 0;
  /** True when some header or body bytes were passed through without being kept. */
  truncated = false;

  private chunks: Buffer[] = [];
  private keptBytes = 0;
  private joined: Buffer | undefined;

  constructor(private readonly limits: ScanLimits) {}

  /** Bytes of headers and body kept so far. */
  get scannedBytes(): number {
    return this.keptBytes;
  }

  /** True once the scan budget is spent: the rest of the body need not be sent. */
  get full(): boolean {
    return this.keptBytes >= this.limits.maxScanBytes;
  }

  addHeader(name: string, value: string): void {
    this.headerCount++;
    const size = name.length + value.length + 4;
    if (this.headers.length >= this.limits.maxHeaders || this.keptBytes + size > this.limits.maxScanBytes) {
      this.truncated = true;
      return;
    }
    this.headers.push({ name, value });
    this.keptBytes += size;
  }

  /** Keeps the chunk (a view, not a copy) up to the scan budget; counts the rest. */
  addBody(chunk: Buffer): void {
    this.bodyBytes += chunk.length;
    const room = this.limits.maxScanBytes - this.keptBytes;
    if (room <= 0) {
      if (chunk.length > 0) this.truncated = true;
      return;
    }
    const kept = chunk.length <= room ? chunk : chunk.subarray(0, room);
    if (kept.length < chunk.length) this.truncated = true;
    this.chunks.push(kept);
    this.keptBytes += kept.length;
    this.joined = undefined;
  }

  /** The scanned body as one buffer, joined once on first use (the pieces are then let go). */
  get body(): Buffer {
    if (this.joined === undefined) {
      this.joined = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
      this.chunks = [this.joined];
    }
    return this.joined;
  }

  /** Header values of a name, case-insensitively, in order. */
  header(name: string): string[] {
    const lower = name.toLowerCase();
    return this.headers.filter((h) => h.name.toLowerCase() === lower).map((h) => h.value);
  }
}
