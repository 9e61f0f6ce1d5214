// The usage and option tables of docs/cli.md from the commander program itself, so a command
// or option added to src/cli/main.ts appears in the docs with its own help text.
import { Command, type Option } from 'commander';
import type { Block } from './blocks.js';
import { cell, code, table } from './markdown.js';

let captured: Promise<Command> | undefined;

/**
 * The program src/cli/main.ts builds. That module parses process.argv as it is imported, so
 * parsing is stubbed out while it loads, and the stub keeps the program it was called on.
 */
export function cliProgram(): Promise<Command> {
  captured ??= (async () => {
    const proto = Command.prototype;
    const { parse, parseAsync } = proto;
    let program: Command | undefined;
    proto.parse = function (this: Command) {
      program = this;
      return this;
    };
    proto.parseAsync = function (this: Command) {
      program = this;
      return Promise.resolve(this);
    };
    try {
      await import('../../src/cli/main.js');
    } finally {
      proto.parse = parse;
      proto.parseAsync = parseAsync;
    }
    if (program === undefined) throw new Error('src/cli/main.ts did not parse a commander program when imported');
    return program;
  })();
  return captured;
}

/** Commander's help texts start lower case and have no full stop. */
function sentence(text: string): string {
  return cell(`${text.charAt(0).toUpperCase()}${text.slice(1)}${text.endsWith('.') ? '' : '.'}`);
}

/** `serve`, `config check`: the command's words after `thresher`. */
function words(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function commands(program: Command): Command[] {
  const all: Command[] = [];
  const walk = (c: Command) => {
    for (const sub of c.commands) {
      if (sub.commands.length === 0) all.push(sub);
      walk(sub);
    }
  };
  walk(program);
  return all;
}

function optionRow(opt: Option): string[] {
  const def = opt.defaultValue === undefined ? '' : code(String(opt.defaultValue));
  return [code(opt.flags), cell(opt.description), def];
}

function commandBlock(cmd: Command): string {
  const args = cmd.registeredArguments.map((a) => {
    const name = `${a.name()}${a.variadic ? '...' : ''}`;
    return a.required ? `<${name}>` : `[${name}]`;
  });
  const usage = ['thresher', words(cmd), cmd.options.length > 0 ? '[options]' : '', ...args].filter(Boolean).join(' ');
  const parts = ['```', usage, '```', '', `${sentence(cmd.description())}`];
  const argRows = cmd.registeredArguments.map((a) => [code(a.name()), cell(a.description), a.required ? 'yes' : 'no']);
  if (argRows.length > 0) parts.push('', table(['argument', 'meaning', 'required'], argRows));
  if (cmd.options.length > 0) parts.push('', table(['option', 'meaning', 'default'], cmd.options.map(optionRow)));
  return parts.join('\n');
}

/** One generated block per command (`cli thresher`, `cli serve`, `cli config check`, ...). */
export async function cliBlocks(): Promise<Block[]> {
  const program = await cliProgram();
  const global = [
    '```',
    'thresher [options] <command>',
    '```',
    '',
    `${sentence(program.description())}`,
    '',
    table(['option', 'meaning', 'default'], [...program.options.map(optionRow), [code('-h, --help'), 'display help for the command (every command takes it)', '']]),
    '',
    table(['command', 'what it does'], commands(program).map((c) => [`[${code(`thresher ${words(c)}`)}](#${slugOf(`thresher ${words(c)}`)})`, cell(c.description())])),
  ].join('\n');
  return [
    { name: 'cli thresher', content: global },
    ...commands(program).map((c) => ({ name: `cli ${words(c)}`, content: commandBlock(c), headingIfMissing: `## \`thresher ${words(c)}\`` })),
  ];
}

/** The anchor GitHub gives the heading `thresher config check`. */
function slugOf(heading: string): string {
  return heading.toLowerCase().replace(/ /g, '-');
}
