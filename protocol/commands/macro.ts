import type { Macro } from './types.js';
import { PayloadReader } from './reader.js';

// SMFIC_MACRO 'D': stage byte | (name NUL value NUL)*
// Postfix sends a stage byte with no pairs when a stage has no macros to give.
export function decodeMacro(r: PayloadReader): Macro {
  const stage = String.fromCharCode(r.byte('stage'));
  // No prototype: a macro named __proto__ is kept like any other.
  const macros: Record<string, string> = Object.create(null) as Record<string, string>;
  while (r.remaining > 0) {
    const name = r.cstring('macro name');
    if (r.remaining === 0) r.fail(`macro ${name} has no value`);
    macros[name] = r.cstring(`value of macro ${name}`);
  }
  return { kind: 'macro', stage, macros };
}
