import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { ConfigError } from './errors.js';
import { configSchema, type Config } from './schema.js';


/** Validates an already parsed object; `source` names the file in errors. */
export function parseConfig(raw: unknown, source = '<built-in defaults>'): Readonly<Config> {
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new ConfigError(`${source}: invalid configuration\n${lines.join('\n')}`);
  }
  return deepFreeze(result.data);
}

/** Loads and validates a YAML file; without a file, the built-in defaults. */
export async function loadConfig(file?: string): Promise<Readonly<Config>> {
  if (file === undefined) return parseConfig({});
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read: ${(err as Error).message}`);
  }
  // YAML 1.2 core schema: no custom tags, nothing evaluated; an unknown tag is an error.
  const doc = parseDocument(text, { schema: 'core', prettyErrors: true, logLevel: 'silent' });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    throw new ConfigError(`${file}: not valid YAML: ${problems.map((p) => p.message).join('; ')}`);
  }
  const raw: unknown = doc.toJS();
  return parseConfig(raw, file);
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
