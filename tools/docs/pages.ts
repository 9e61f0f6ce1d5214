// Which docs pages (and the sample config) are generated, wholly or in part, and from what. Both `npm run docs` and
// test/docs.test.ts go through here, so the test checks exactly what the script writes.
import { defaultConfigYaml } from '../../src/config/defaults-yaml.js';
import { spliceBlocks } from './blocks.js';
import { cliBlocks } from './cli.js';
import { renderConfigReference } from './configuration.js';
import { renderSymbols } from './symbols.js';

export interface GeneratedPage {
  /** Relative to the repository root. */
  path: string;
  /** The page as it must be, given its current text (undefined when it does not exist yet). */
  render(current: string | undefined): Promise<string>;
}

export const GENERATED_PAGES: readonly GeneratedPage[] = [
  { path: 'docs/symbols.md', render: async () => renderSymbols() },
  {
    path: 'docs/configuration.md',
    render: async (current) => spliceBlocks(current ?? '# Configuration\n', [{ name: 'configuration keys', content: renderConfigReference() }]),
  },
  {
    path: 'docs/cli.md',
    render: async (current) => spliceBlocks(current ?? '# Command line\n', await cliBlocks()),
  },
  // What `thresher config defaults` prints, so one command refreshes it with the references.
  { path: 'examples/thresher.yaml', render: async () => defaultConfigYaml() },
];
