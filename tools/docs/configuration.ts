// The key reference of docs/configuration.md from the config schema (src/config/schema.ts), the
// single source of truth: its descriptions, types and ranges through zod's JSON Schema, and its
// defaults as parseConfig({}) fills them in (what the server really runs with).
import { stringify } from 'yaml';
import { z } from 'zod';
import { parseConfig } from '../../src/config/load.js';
import { configSchema } from '../../src/config/schema.js';
import { cell, code, table } from './markdown.js';

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
}

/** A bound this large is "any integer", not a limit worth printing. */
const UNBOUNDED = Number.MAX_SAFE_INTEGER;

interface Row {
  key: string;
  type: string;
  default: string;
  meaning: string;
}

function isObject(s: JsonSchema): boolean {
  return s.type === 'object' && s.properties !== undefined;
}

function range(s: JsonSchema): string {
  const low = s.exclusiveMinimum !== undefined ? `> ${s.exclusiveMinimum}` : s.minimum !== undefined ? `≥ ${s.minimum}` : '';
  const high = s.exclusiveMaximum !== undefined ? `< ${s.exclusiveMaximum}` : s.maximum !== undefined && s.maximum < UNBOUNDED ? `≤ ${s.maximum}` : '';
  return [low, high].filter(Boolean).join(', ');
}

function typeOf(s: JsonSchema): string {
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return alternatives.map(typeOf).join(' or ');
  if (s.enum) return `one of ${s.enum.map((v) => `\`${String(v)}\``).join(', ')}`;
  const types = Array.isArray(s.type) ? s.type : [s.type ?? 'any'];
  return types
    .map((t) => {
      if (t === 'array') return `list of ${s.items ? typeOf(s.items) : 'any'}`;
      if (t === 'object' && s.properties === undefined && typeof s.additionalProperties === 'object') {
        return `map of name to ${typeOf(s.additionalProperties)}`;
      }
      if (t === 'object' && s.properties !== undefined) {
        return s.properties.file && Object.keys(s.properties).length === 1 ? '{file: /path}' : 'object';
      }
      const r = t === 'number' || t === 'integer' ? range(s) : '';
      return r ? `${t} (${r})` : t;
    })
    .join(' or ');
}

/** A default as YAML flow, the way an admin would write it. */
function yamlValue(value: unknown): string {
  return code(stringify(value, { collectionStyle: 'flow', flowCollectionPadding: false, lineWidth: 0 }).trim());
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let v = root;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

/**
 * One row per key, depth first in schema order. `path` is undefined inside list items and maps,
 * where there is no single default value to read from parseConfig: the item schema's own
 * default is shown, or whether the key is required.
 */
function rows(schema: JsonSchema, key: string, path: readonly string[] | undefined, defaults: unknown, required: boolean, out: Row[]): void {
  const meaning = cell(schema.description ?? '');
  if (isObject(schema)) {
    if (schema.description !== undefined) out.push({ key: code(key), type: 'object', default: '', meaning });
    for (const [name, child] of Object.entries(schema.properties!)) {
      rows(child, `${key}.${name}`, path && [...path, name], defaults, schema.required?.includes(name) ?? false, out);
    }
    return;
  }
  const items = schema.items;
  if (schema.type === 'array' && items && isObject(items)) {
    out.push({ key: code(key), type: 'list of objects', default: yamlValue(path ? valueAt(defaults, path) : schema.default ?? []), meaning });
    rows(items, `${key}[]`, undefined, defaults, false, out);
    return;
  }
  const values = schema.additionalProperties;
  if (schema.type === 'object' && typeof values === 'object' && isObject(values)) {
    out.push({ key: code(key), type: 'map of objects', default: yamlValue(path ? valueAt(defaults, path) : schema.default ?? {}), meaning });
    rows(values, `${key}.<name>`, undefined, defaults, false, out);
    return;
  }
  const fallback = schema.default !== undefined ? yamlValue(schema.default) : required ? 'required' : 'not set';
  out.push({ key: code(key), type: cell(typeOf(schema)), default: path ? yamlValue(valueAt(defaults, path)) : fallback, meaning });
}

/** The reference: one table per top-level key that holds others, one for the plain ones. */
export function renderConfigReference(): string {
  const json = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const defaults = parseConfig({});
  const plain: Row[] = [];
  const sections: string[] = [];
  for (const [name, schema] of Object.entries(json.properties ?? {})) {
    const out: Row[] = [];
    rows(schema, name, [name], defaults, false, out);
    if (out.length === 1) {
      plain.push(out[0]!);
      continue;
    }
    const intro = schema.description === undefined || schema.type === 'array' ? '' : `${cell(schema.description)}\n\n`;
    const body = out.filter((r) => r.key !== code(name) || schema.type === 'array' || !isObject(schema));
    sections.push(`### \`${name}\`\n\n${intro}${asTable(body)}`);
  }
  return [`### Top-level keys\n\n${asTable(plain)}`, ...sections].join('\n\n');
}

function asTable(list: readonly Row[]): string {
  return table(['key', 'type', 'default', 'meaning'], list.map((r) => [r.key, r.type, r.default, r.meaning]));
}
