import { describe, expect, it } from 'vitest';
import { claimedHost } from '../../src/checks/content/domains.js';
import { imitatedBrand } from '../../src/checks/content/lookalike.js';
import { urlCheck } from '../../src/checks/content/urls.js';
import { hitsOf, symbolsOf, wellFormedSymbols } from './content-support.js';

const text = (body: string) => `Content-Type: text/plain\n\n${body}`;
const html = (body: string) => `Content-Type: text/html\n\n${body}`;

describe('URL rules', () => {
  it('declares URL_ symbols with descriptions and scores', () => {
    expect(wellFormedSymbols(urlCheck, 'URL_')).toBe(true);
  });

  it('ordinary links hit nothing', () => {
    expect(symbolsOf(urlCheck, html('<a href="https://www.example.com/x">www.example.com</a> <a href="https://lore.kernel.org/">archive</a>'))).toEqual([]);
  });

  it('URL_IP_HOST for public addresses only', () => {
    expect(hitsOf(urlCheck, text('login at http://203.0.113.7/bank'))).toEqual([{ symbol: 'URL_IP_HOST', detail: '203.0.113.7' }]);
    expect(symbolsOf(urlCheck, text('the radio is at http://192.168.10.3/ and http://10.1.2.3'))).toEqual([]);
  });

  it('URL_SHORTENER, URL_SUSPICIOUS_TLD, URL_PUNYCODE', () => {
    expect(symbolsOf(urlCheck, text('see https://bit.ly/3xyz'))).toEqual(['URL_SHORTENER']);
    expect(symbolsOf(urlCheck, text('see https://win-prize.top/claim'))).toEqual(['URL_SUSPICIOUS_TLD']);
    expect(symbolsOf(urlCheck, text('see https://xn--bcher-kva.example/'))).toEqual(['URL_PUNYCODE']);
  });

  it('URL_PHISH_MISMATCH: link text naming another site than the href', () => {
    expect(hitsOf(urlCheck, html('<a href="http://evil.example/login">https://www.paypal.com/signin</a>'))).toEqual([
      { symbol: 'URL_PHISH_MISMATCH', detail: 'paypal.com -> evil.example' },
    ]);
    // Same site, other host; plain words; a link-protection rewriter: not phishing.
    expect(symbolsOf(urlCheck, html('<a href="https://click.example.com/t/1">www.example.com</a>'))).toEqual([]);
    expect(symbolsOf(urlCheck, html('<a href="http://evil.example/">Click here to update</a>'))).toEqual([]);
    expect(symbolsOf(urlCheck, html('<a href="https://urldefense.proofpoint.com/v2/url?u=x">https://github.com/x</a>'))).toEqual([]);
  });

  it('URL_PUNYCODE_BRAND: look-alikes of brands, never the brand itself', () => {
    expect(imitatedBrand('xn--pypal-4ve.com')).toBe('paypal'); // pаypal with a Cyrillic а
    expect(imitatedBrand('paypa1.com')).toBe('paypal');
    expect(imitatedBrand('www.paypal.com.secure-login.example')).toBe('paypal');
    expect(imitatedBrand('paypal-verify.example')).toBe('paypal');
    for (const own of ['www.paypal.com', 'paypal.co.uk', 'amazon.de', 's3.amazonaws.com', 'google-analytics.com', 'booking.hotel.example']) {
      expect(imitatedBrand(own)).toBeUndefined();
    }
    expect(symbolsOf(urlCheck, text('verify at https://xn--pypal-4ve.com/login'))).toEqual(['URL_PUNYCODE', 'URL_PUNYCODE_BRAND']);
  });

  it('URL_MANY_DOMAINS counts distinct sites, not hosts', () => {
    const sites = Array.from({ length: 12 }, (_, i) => `http://www.site${i}.example/ http://img.site${i}.example/`).join(' ');
    expect(symbolsOf(urlCheck, text(sites))).toEqual(['URL_MANY_DOMAINS']);
    const hosts = Array.from({ length: 30 }, (_, i) => `http://h${i}.one.example/`).join(' ');
    expect(symbolsOf(urlCheck, text(hosts))).toEqual([]);
  });

  it('domains: the host a link text claims', () => {
    expect(claimedHost('https://www.PayPal.com/x')).toBe('paypal.com');
    expect(claimedHost('www.bank.example')).toBe('bank.example');
    expect(claimedHost('Pay now')).toBeUndefined();
    expect(claimedHost('a'.repeat(100_000))).toBeUndefined();
  });
});
