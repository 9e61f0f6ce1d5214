// Thresher driven by libmilter's own MTA-side client, miltertest (Debian package "miltertest"),
// through the Lua scripts in ./miltertest. Each script raises a Lua error on any unexpected
// reply or modification, which makes miltertest exit 1; we also check the "OK <case>" line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { requireBinary } from './support/proc.js';
import { errorRecords, startThresher, type Thresher } from './support/thresher.js';

const SCRIPTS = fileURLToPath(new URL('./miltertest/', import.meta.url));

let plain: Thresher | undefined;
let rejecting: Thresher | undefined;

beforeAll(async () => {
  plain = await startThresher('thresholds: { spam: 5 }\n');
  rejecting = await startThresher('thresholds: { spam: 5, reject: 20 }\nreplies: { reject: "550 5.7.1 Message rejected as spam" }\n');
});

afterAll(async () => {
  const codes: Array<[string, number | null]> = [];
  for (const [name, t] of [['plain', plain], ['rejecting', rejecting]] as const) {
    if (t) codes.push([name, await t.stop()]);
  }
  for (const [name, code] of codes) expect(code, `thresher (${name}) exit code after SIGTERM`).toBe(0);
});

interface MtResult { code: number | null; stdout: string; stderr: string }

function miltertest(script: string, port: number): Promise<MtResult> {
  const bin = requireBinary('miltertest', 'miltertest');
  return new Promise((resolve) => {
    execFile(bin, ['-D', `PORT=${port}`, '-s', script], { cwd: SCRIPTS, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout, stderr: err && code === null ? `${stderr}\n${err.message}` : stderr });
    });
  });
}

async function expectScriptPasses(script: string, t: Thresher, okLine: string): Promise<string> {
  const r = await miltertest(script, t.port);
  const why = `miltertest -s ${script} exited ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}\n${t.output()}`;
  expect(r.code, why).toBe(0);
  expect(r.stdout.split('\n'), why).toContain(okLine);
  return r.stdout;
}

describe('Thresher under libmilter miltertest (default thresholds)', () => {
  it('accepts a clean message and adds X-Spam-Status: No', async () => {
    const out = await expectScriptPasses('clean.lua', plain!, 'OK clean');
    expect(out).toMatch(/^clean: X-Spam-Status: No, score=/m);
  });

  it('marks GTUBE as spam with X-Spam-Status: Yes and X-Spam-Result: GTUBE (1000.0)', async () => {
    const out = await expectScriptPasses('gtube.lua', plain!, 'OK gtube');
    expect(out).toMatch(/^gtube: X-Spam-Status: Yes, score=\d+(\.\d+)? required=5\.0$/m);
    expect(out).toMatch(/^gtube: X-Spam-Result: .*GTUBE \(1000\.0\)/m);
  });

  it('judges the client the MTA reports (no reverse DNS, bare-word HELO), and not an authenticated one', async () => {
    const out = await expectScriptPasses('relay.lua', plain!, 'OK relay');
    expect(out).toMatch(/^MTrelay1: X-Spam-Result: .*RDNS_NONE \(1\.0\)/m);
    expect(out).toMatch(/^MTrelay1: X-Spam-Result: .*HELO_NOT_FQDN \(1\.5\)/m);
    expect(out).toMatch(/^MTrelay2: X-Spam-Result: none$/m);
  });

  it('deletes forged X-Spam-Status / X-Spam-Result headers and adds its own', async () => {
    const out = await expectScriptPasses('forged.lua', plain!, 'OK forged');
    expect(out).toContain('forged: deleted the sender\'s X-Spam-Status');
    expect(out).toContain('forged: deleted the sender\'s X-Spam-Result');
  });
});

describe('Thresher under libmilter miltertest (thresholds.reject: 20)', () => {
  it('refuses GTUBE at end of message with 550 5.7.1 and accepts the next clean message', async () => {
    const out = await expectScriptPasses('reject.lua', rejecting!, 'OK reject');
    expect(out).toContain('reject: GTUBE refused with 550 5.7.1 Message rejected as spam');
    expect(out).toMatch(/^after-reject: X-Spam-Status: No, /m);
  });
});

describe('Thresher logs', () => {
  it('logged no errors while serving miltertest', () => {
    for (const t of [plain!, rejecting!]) {
      expect(t.records().length, t.output()).toBeGreaterThan(0);
      expect(errorRecords(t), t.output()).toEqual([]);
    }
  });
});
