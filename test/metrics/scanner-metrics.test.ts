import { describe, expect, it } from 'vitest';
import { prometheusMetrics } from '../../src/metrics/prometheus.js';

describe('scanner metrics', () => {
  it('export each server breaker state and the version a server reported', async () => {
    const m = prometheusMetrics();
    m.scannerState('clamd', 'inet:127.0.0.1:3310', 'closed');
    m.scannerState('clamd', 'unix:/run/clamd.ctl', 'open');
    m.scannerVersion('clamd', 'inet:127.0.0.1:3310', 'ClamAV 1.4.6/27000');
    const text = await m.registry.metrics();
    expect(text).toContain('thresher_scanner_server_state{scanner="clamd",server="inet:127.0.0.1:3310"} 0');
    expect(text).toContain('thresher_scanner_server_state{scanner="clamd",server="unix:/run/clamd.ctl"} 2');
    expect(text).toContain('thresher_scanner_server_info{scanner="clamd",server="inet:127.0.0.1:3310",version="ClamAV 1.4.6/27000"} 1');
    m.scannerVersion('clamd', 'inet:127.0.0.1:3310', 'ClamAV 1.4.6/27001');
    expect(await m.registry.metrics()).not.toContain('27000');
    m.scannerState('clamd', 'unix:/run/clamd.ctl', 'half-open');
    expect(await m.registry.metrics()).toContain('thresher_scanner_server_state{scanner="clamd",server="unix:/run/clamd.ctl"} 1');
  });
});
