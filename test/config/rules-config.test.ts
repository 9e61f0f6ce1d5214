import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';
import { MAX_RULE_PROGRAM_SIZE } from '../../src/config/rules.js';
import { testEngine } from '../support/services.js';

const rulesPage = readFileSync(new URL('../../docs/rules.md', import.meta.url), 'utf8');

const header = (name: string, more: Record<string, unknown> = {}) => ({ name, header: 'Subject', match: 'contains', value: 'x', score: 1, ...more });
const body = (name: string, more: Record<string, unknown> = {}) => ({ name, match: 'contains', value: 'x', score: 1, ...more });

/** The config error text for these rules. */
function errorOf(rules: unknown): string {
  try {
    parseConfig({ rules });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a config error');
}

describe('rules config', () => {
  it('defaults to no rules, and fills optional fields', () => {
    expect(parseConfig({}).rules).toEqual({ header: [], body: [], body_scan_chars: 100_000, raw_scan_chars: 500_000 });
    const c = parseConfig({ rules: { header: [header('SUBJ_X')], body: [body('BODY_X', { description: 'x' })] } });
    expect(c.rules.header[0]).toEqual({ name: 'SUBJ_X', header: 'Subject', match: 'contains', value: 'x', score: 1, case_sensitive: false });
    expect(c.rules.body[0]).toEqual({ name: 'BODY_X', match: 'contains', value: 'x', score: 1, description: 'x', case_sensitive: false, part: 'text' });
  });

  it('refuses a backreference and a lookahead at load, naming the rule and the reason', () => {
    const msg = errorOf({ header: [header('SUBJ_BACKREF', { match: 'regex', value: '(a)\\1' })], body: [body('BODY_LOOK', { match: 'regex', value: 'x(?=y)' })] });
    expect(msg).toMatch(/rules\.header\.0\.value: not a valid RE2 regex \(invalid escape sequence: `\\1`\); RE2 runs in linear time and has no backreferences or lookaround/);
    expect(msg).toMatch(/rules\.body\.0\.value: not a valid RE2 regex \(invalid or unsupported Perl syntax: `\(\?=`\)/);
    expect(errorOf({ body: [body('BODY_LOOKBEHIND', { match: 'regex', value: '(?<=a)b' })] })).toContain('rules.body.0.value: not a valid RE2 regex');
    expect(errorOf({ body: [body('BODY_BAD', { match: 'regex', value: 'a(b' })] })).toContain('rules.body.0.value: not a valid RE2 regex (missing closing )');
  });

  it('refuses a regex that compiles to a program too large, and a literal too long', () => {
    expect(errorOf({ body: [body('BODY_BIG', { match: 'regex', value: 'a.{0,500}b' })] }))
      .toMatch(new RegExp(`rules\\.body\\.0\\.value: regex too large: it compiles to \\d+ RE2 instructions, at most ${MAX_RULE_PROGRAM_SIZE}`));
    expect(errorOf({ header: [header('SUBJ_LONG', { value: 'x'.repeat(MAX_RULE_PROGRAM_SIZE + 1) })] })).toContain('rules.header.0.value: too long');
    expect(() => parseConfig({ rules: { body: [body('BODY_OK', { match: 'regex', value: 'a.{0,100}b' })] } })).not.toThrow();
  });

  it('refuses duplicate names within and across families, naming the second rule', () => {
    const msg = errorOf({ header: [header('SUBJ_X'), header('SUBJ_Y'), header('SUBJ_X')], body: [body('SUBJ_Y')] });
    expect(msg).toContain('rules.header.2.name: duplicate rule name SUBJ_X (first at rules.header.0)');
    expect(msg).toContain('rules.body.0.name: duplicate rule name SUBJ_Y (first at rules.header.1)');
  });

  it('refuses a rule named like a built-in symbol when the checks are built, naming the rule', () => {
    for (const name of ['GTUBE', 'NOT_FULLY_SCANNED']) {
      const config = parseConfig({ rules: { body: [body('BODY_OK'), body(name)] } });
      expect(() => testEngine(config)).toThrow(`rules.body.1.name: ${name} is a built-in symbol`);
    }
  });

  it('checks names, types, match kinds, parts and unknown keys', () => {
    const msg = errorOf({
      header: [header('lower_case'), header('SUBJ_A', { match: 'glob' }), header('SUBJ_B', { header: 'Bad Name' }), { name: 'SUBJ_C', header: 'X', match: 'contains', value: 'x' }],
      body: [body('BODY_A', { part: 'html' }), body('BODY_B', { regex: 'x' }), body('BODY_C', { value: '' })],
    });
    expect(msg).toContain('rules.header.0.name: expected a symbol name such as SUBJ_VIAGRA');
    expect(msg).toMatch(/rules\.header\.1\.match: Invalid option: expected one of "contains"\|"wildcard"\|"regex"/);
    expect(msg).toContain('rules.header.2.header: expected a header field name');
    expect(msg).toMatch(/rules\.header\.3\.score: .*number/);
    expect(msg).toMatch(/rules\.body\.0\.part: Invalid option/);
    expect(msg).toMatch(/rules\.body\.1: Unrecognized key: "regex"/);
    expect(msg).toMatch(/rules\.body\.2\.value: Too small/);
  });

  it('lets scores override a rule symbol, and refuses scores for names no rule declares', () => {
    const rules = { header: [header('SUBJ_X')] };
    expect(testEngine(parseConfig({ rules, scores: { SUBJ_X: 9 } })).score('SUBJ_X')).toBe(9);
    expect(() => testEngine(parseConfig({ rules, scores: { SUBJ_Z: 9 } }))).toThrow('scores: unknown symbol SUBJ_Z');
  });
});

describe('docs/rules.md', () => {
  it('gives an example that loads and builds', () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(rulesPage)?.[1];
    expect(yaml).toBeDefined();
    const config = parseConfig(parse(yaml!));
    expect(config.rules.header.map((r) => r.name)).toEqual(['SUBJ_VIAGRA', 'FROM_FREEMAIL_BANK']);
    expect(testEngine(config).checks.map((c) => c.name)).toEqual(expect.arrayContaining(['header-rules', 'body-rules']));
  });

  it('states the program size limit the schema enforces', () => {
    expect(rulesPage.replace(/\s+/g, ' ')).toContain(`more than ${MAX_RULE_PROGRAM_SIZE} RE2 instructions`);
  });
});
