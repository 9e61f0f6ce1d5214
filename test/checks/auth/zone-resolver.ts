import type { MxRecord, Resolver } from '../../../src/dns/resolver.js';

// A Resolver answering from a zone in memory, for the unit tests of the mailauth adapter; the
// loopback DNS server answers the same zones for the tests of the checks.

export interface Records {
  A?: string[];
  AAAA?: string[];
  TXT?: string[];
  MX?: MxRecord[];
  PTR?: string[];
  /** The server fails for this name (SERVFAIL). */
  fail?: boolean;
}

export class ZoneResolver implements Resolver {
  readonly asked: string[] = [];

  constructor(private readonly zone: Record<string, Records>) {}

  private async answer<K extends 'A' | 'AAAA' | 'TXT' | 'MX' | 'PTR'>(name: string, type: K): Promise<NonNullable<Records[K]>> {
    this.asked.push(`${type} ${name}`);
    const r = this.zone[name.toLowerCase()];
    if (r?.fail) throw Object.assign(new Error(`${type} ${name}: SERVFAIL`), { code: 'ESERVFAIL' });
    return (r?.[type] ?? []) as NonNullable<Records[K]>;
  }

  a(name: string) { return this.answer(name, 'A'); }
  aaaa(name: string) { return this.answer(name, 'AAAA'); }
  txt(name: string) { return this.answer(name, 'TXT'); }
  mx(name: string) { return this.answer(name, 'MX'); }
  ptr(address: string) { return this.answer(address, 'PTR'); }
}
