import { describe, expect, it } from 'vitest';
import { entryRelay, parseReceived, setClientFromReceived } from '../../src/message/received.js';
import { messageFromRaw } from '../../src/message/parse.js';

const limits = { maxScanBytes: 1 << 20, maxHeaders: 1000 };
const withReceived = (...values: string[]) =>
  messageFromRaw(Buffer.from(`${values.map((v) => `Received: ${v}\r\n`).join('')}From: a@example.org\r\nSubject: s\r\n\r\nbody\r\n`), limits);

describe('parseReceived', () => {
  // Each line as the named MTA writes it (shapes from the public corpora and the MTAs' docs).
  it('reads Sendmail and Postfix: from HELO (NAME [IP])', () => {
    expect(parseReceived('from mail.example.org (mx1.example.org [192.0.2.10])\n\tby relay.example.net (Postfix) with ESMTP id 1234')).toEqual({
      helo: 'mail.example.org',
      address: '192.0.2.10',
      hostname: 'mx1.example.org',
    });
  });

  it('drops the ident user, a trailing dot and Sendmail\'s "(may be forged)"', () => {
    expect(parseReceived('from zoo.example (IDENT:postfix@zoo.example.\n    [198.51.100.219]) by dogma.example (8.11.6/8.11.6) with ESMTP')).toEqual({
      helo: 'zoo.example',
      address: '198.51.100.219',
      hostname: 'zoo.example',
    });
    expect(parseReceived('from web02.example.com (80-93-2-12-ptr.example.com [80.93.2.12] (may be forged)) by dogma.example')?.hostname).toBe('80-93-2-12-ptr.example.com');
  });

  it('knows no name where Postfix says unknown or Sendmail gives only the address', () => {
    expect(parseReceived('from helo.example (unknown [203.0.113.5]) by mx.example (Postfix)')).toEqual({ helo: 'helo.example', address: '203.0.113.5', hostname: '' });
    expect(parseReceived('from wergvan ([58.16.11.252]) by ns1.example with SMTP id n4I6')).toEqual({ helo: 'wergvan', address: '58.16.11.252', hostname: '' });
  });

  it('reads Exim, with and without a name', () => {
    expect(parseReceived('from host.example.net ([192.0.2.7] helo=pc17) by mx.example with esmtp (Exim 4.96)')).toEqual({
      helo: 'pc17',
      address: '192.0.2.7',
      hostname: 'host.example.net',
    });
    expect(parseReceived('from [192.0.2.8]:51234 (helo=laptop) by mx.example with esmtp (Exim 4.96)')).toEqual({ helo: 'laptop', address: '192.0.2.8', hostname: '' });
  });

  it('reads qmail and Exchange, where the name is the HELO or absent', () => {
    expect(parseReceived('from unknown (HELO pc.example) (192.0.2.9) by mail.example with SMTP')).toEqual({ helo: 'pc.example', address: '192.0.2.9', hostname: '' });
    expect(parseReceived('from dsl-9.example.net (HELO box) (postmaster@192.0.2.19) by mail.example')).toEqual({ helo: 'box', address: '192.0.2.19', hostname: 'dsl-9.example.net' });
    expect(parseReceived('from SRV01.corp.example (2001:db8::25) by SRV02.corp.example (2001:db8::26) with Microsoft SMTP Server')).toEqual({
      helo: 'SRV01.corp.example',
      address: '2001:db8::25',
      hostname: '',
    });
  });

  it('reads IPv6 address literals', () => {
    expect(parseReceived('from mail.example (mail.example [IPv6:2001:db8::1]) by mx.example')?.address).toBe('2001:db8::1');
  });

  it('returns nothing for hops without a connection, and for garbage of any length', () => {
    expect(parseReceived('by mx.example (Postfix, from userid 1000) id 4106CFDEC')).toBeUndefined();
    expect(parseReceived('from jalapeno [127.0.0.1] by localhost with IMAP (fetchmail-5.9.0)')).toBeUndefined();
    expect(parseReceived(`from ${'('.repeat(50_000)}`)).toBeUndefined();
    expect(parseReceived(`from a (${'b '.repeat(50_000)}[192.0.2.1])`)).toBeUndefined();
  });
});

describe('entryRelay', () => {
  it('skips the site\'s own hops (loopback, private) and takes the first public one', () => {
    const m = withReceived(
      'from localhost (localhost [127.0.0.1]) by mx.example (Postfix) with ESMTP id 1',
      'from gw.example (gw.example [192.168.18.250]) by mx.example with ESMTP id 2',
      'from asianet.example (ppp-124-120-143-91.example.net [124.120.143.91]) by gw.example with SMTP id 3',
      'from origin.example (origin.example [198.51.100.1]) by asianet.example with SMTP id 4',
    );
    expect(entryRelay(m)).toEqual({ helo: 'asianet.example', address: '124.120.143.91', hostname: 'ppp-124-120-143-91.example.net' });
  });

  it('knows the site\'s own hops in every spelling: mapped IPv4, the whole of fe80::/10', () => {
    const m = withReceived(
      'from gw.example (gw.example [::ffff:10.0.0.1]) by mx.example with ESMTP id 1',
      'from pc.example (pc.example [IPv6:fe90::1]) by gw.example with ESMTP id 2',
      'from origin.example (origin.example [198.51.100.1]) by pc.example with SMTP id 3',
    );
    expect(entryRelay(m)?.address).toBe('198.51.100.1');
  });

  it('ignores an address that is not one (999.1.1.1)', () => {
    expect(entryRelay(withReceived('from a.example (a.example [999.1.1.1]) by mx.example'))).toBeUndefined();
  });

  it('sets the client and HELO of a saved message', () => {
    const m = withReceived('from pc17 (unknown [203.0.113.5]) by mx.example (Postfix)');
    setClientFromReceived(m);
    expect(m.client).toEqual({ hostname: '', address: '203.0.113.5', port: 0, family: 'inet' });
    expect(m.helo).toBe('pc17');
  });

  it('leaves a message without a public hop alone', () => {
    const m = withReceived('from localhost (localhost [127.0.0.1]) by mx.example');
    setClientFromReceived(m);
    expect(m.client).toBeUndefined();
    expect(m.helo).toBeUndefined();
  });
});
