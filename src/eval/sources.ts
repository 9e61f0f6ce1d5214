// Which source a message is reported under.
import { basename, dirname, relative, resolve, sep } from 'node:path';

/**
 * The source of a path given on the command line is its last path component, except that a
 * last component named `spam` or `ham` is a label folder and the source is the folder above:
 * `corpus/spamassassin/spam` and `corpus/spamassassin/ham` are both source `spamassassin`
 * (the layout of ../shared/corpus), while `mail/2024-junk` is source `2024-junk`.
 */
export function sourceOf(argument: string): string {
  const full = resolve(argument);
  const last = basename(full);
  if ((last === 'spam' || last === 'ham') && dirname(full) !== full) return basename(dirname(full)) || last;
  return last || full;
}

/**
 * A message's id for fold assignment: its path relative to the command-line argument it
 * was found under, prefixed by the source, so the folds do not change with the directory
 * the command is run from or with how the argument is spelled.
 */
export function messageId(source: string, argument: string, path: string): string {
  const file = path.replace(/#\d+$/, '');
  // A file named on the command line is relative to nothing: it goes by its own name.
  const rel = relative(resolve(argument), resolve(file)) || basename(file);
  const mboxIndex = path.slice(file.length);
  return `${source}${sep}${rel}${mboxIndex}`;
}
