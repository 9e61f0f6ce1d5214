// Registrable domains by the Public Suffix List (tldts), private section included.
import { describe, expect, it } from 'vitest';
import { registrableDomain, topLevel } from '../../src/net/domain.js';

describe('registrableDomain', () => {
  it('keeps the label under the public suffix', () => {
    expect(registrableDomain('a.b.example.com')).toBe('example.com');
    expect(registrableDomain('example.com')).toBe('example.com');
    expect(registrableDomain('www.bbc.co.uk')).toBe('bbc.co.uk');
    expect(registrableDomain('a.b.example.co.uk')).toBe('example.co.uk');
    expect(registrableDomain('mail.example.com')).toBe('example.com');
    expect(registrableDomain('x.example.de')).toBe('example.de');
  });

  it('knows the suffixes the two hand lists missed or disagreed on', () => {
    expect(registrableDomain('news.example.ltd.uk')).toBe('example.ltd.uk'); // only one of the lists had ltd
    expect(registrableDomain('x.example.gv.at')).toBe('example.gv.at');
    expect(registrableDomain('www.example.nhs.uk')).toBe('example.nhs.uk');
    expect(registrableDomain('x.example.k12.ca.us')).toBe('example.k12.ca.us');
    expect(registrableDomain('x.example.gouv.fr')).toBe('example.gouv.fr');
  });

  it('takes the private section: tenants of a hosting platform are different sites', () => {
    expect(registrableDomain('alice.github.io')).toBe('alice.github.io');
    expect(registrableDomain('www.foo.blogspot.com')).toBe('foo.blogspot.com');
    expect(registrableDomain('login-paypal.web.app')).toBe('login-paypal.web.app');
    expect(registrableDomain('github.io')).toBe('github.io');
  });

  it('lower-cases; returns addresses, single labels and bare suffixes as they are', () => {
    expect(registrableDomain('WWW.Example.COM.')).toBe('example.com');
    expect(registrableDomain('192.0.2.1')).toBe('192.0.2.1');
    expect(registrableDomain('localhost')).toBe('localhost');
    expect(registrableDomain('co.uk')).toBe('co.uk');
  });

  it('topLevel is the last label', () => {
    expect(topLevel('shop.example.co.uk')).toBe('uk');
    expect(topLevel('localhost')).toBe('localhost');
  });
});
