import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../support/temp-dirs.js';

afterAll(removeTempDirs);

// Runs the built CLI (npm run build first): serve's answers to an admin's mistakes.
const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../dist/src/cli/main.js');
type Failed = { code: number; stdout: string; stderr: string };
const dir = tempDir('serve-cli');
const serveFails = (...args: string[]) =>
  run(process.execPath, [CLI, 'serve', '--data-dir', join(dir, 'data'), ...args], { timeout: 20_000 }).then(
    () => expect.unreachable('serve should not start'),
    (e: unknown) => e as Failed,
  );

/** One line on stderr naming the problem, exit 2, no stack trace. */
function refused(e: Failed, text: string): void {
  expect(e.code).toBe(2);
  expect(e.stderr.trimEnd().split('\n'), e.stderr).toHaveLength(1);
  expect(e.stderr).toContain(text);
  expect(e.stderr).not.toMatch(/^\s+at /m);
}

describe('thresher serve: mistakes are one line and exit 2', () => {
  it('a bad --listen', async () => {
    refused(await serveFails('--listen', 'tcp:127.0.0.1:25'), 'serve --listen tcp:127.0.0.1:25: expected inet:HOST:PORT');
    refused(await serveFails('--listen', 'inet:127.0.0.1:99999'), 'port 99999 out of range');
  });

  it('a relative unix socket path', async () => {
    refused(await serveFails('--listen', 'unix:thresher.sock'), 'serve --listen unix:thresher.sock: unix socket path must be absolute');
  });

  it('a port in use', async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as { port: number }).port;
    try {
      refused(await serveFails('--listen', `inet:127.0.0.1:${port}`), `cannot listen: listen EADDRINUSE: address already in use 127.0.0.1:${port}`);
    } finally {
      busy.close();
    }
  });

  it('a unix socket path that is some other file, which is left alone', async () => {
    const file = join(dir, 'not-a-socket');
    writeFileSync(file, 'keep me');
    refused(await serveFails('--listen', `unix:${file}`), `cannot listen: ${file} exists and is not a socket`);
    expect(existsSync(file)).toBe(true);
  });
});
