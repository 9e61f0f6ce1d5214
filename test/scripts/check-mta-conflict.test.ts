import { execFile } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../support/temp-dirs.js';

afterAll(removeTempDirs);

// The guard that keeps `npm test` from replacing the host's mail server: run with a stub
// dpkg-query first on PATH that reports the installed packages the test gives it.
const run = promisify(execFile);
const SCRIPT = resolve(import.meta.dirname, '../../scripts/check-mta-conflict.sh');

type Package = [name: string, status: string, provides: string];
const OK = 'install ok installed';

async function guard(packages: Package[], env: Record<string, string> = {}) {
  const bin = tempDir('mta-guard');
  const listing = join(bin, 'packages.tsv');
  writeFileSync(listing, packages.map((p) => `${p.join('\t')}\n`).join(''));
  writeFileSync(join(bin, 'dpkg-query'), `#!/bin/sh\ncat '${listing}'\n`);
  chmodSync(join(bin, 'dpkg-query'), 0o755);
  return run('bash', [SCRIPT], { env: { PATH: `${bin}:/usr/bin:/bin`, ...env } }).then(
    ({ stderr }) => ({ code: 0, stderr }),
    (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
  );
}

describe('check-mta-conflict.sh', () => {
  it('refuses with one line naming the installed MTA that postfix would remove', async () => {
    const result = await guard([['bash', OK, ''], ['exim4-daemon-light', OK, 'mail-transport-agent'], ['msmtp-mta', OK, 'mail-transport-agent (= 1.8)']]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('refusing to install postfix: it would remove this host\'s mail server (exim4-daemon-light, msmtp-mta)');
    expect(result.stderr).toContain('THRESHER_ALLOW_MTA_REPLACE=1');
  });

  it('goes ahead with THRESHER_ALLOW_MTA_REPLACE=1, saying what goes', async () => {
    const result = await guard([['sendmail-bin', OK, 'mail-transport-agent']], { THRESHER_ALLOW_MTA_REPLACE: '1' });
    expect(result).toEqual({ code: 0, stderr: 'install-test-deps: THRESHER_ALLOW_MTA_REPLACE=1: installing postfix removes sendmail-bin\n' });
  });

  it('says nothing when postfix is the MTA, none is installed, or another left only its config files', async () => {
    expect(await guard([['postfix', OK, 'mail-transport-agent']])).toEqual({ code: 0, stderr: '' });
    expect(await guard([['bash', OK, ''], ['mail-transport-agent-lookalike', OK, 'mail-transport-agent-foo']])).toEqual({ code: 0, stderr: '' });
    expect(await guard([['exim4-daemon-light', 'deinstall ok config-files', 'mail-transport-agent']])).toEqual({ code: 0, stderr: '' });
  });
});
