/**
 * The app file is read as untrusted: malformed families are dropped, and a planted symlink is
 * never followed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'perfmem-metrics-appfile-'));
process.env.PERFMEM_DIR = dir;
const { AggregatorRegistry, appFileName } = await import('../../src/metrics/index.js');
const appDir = join(dir, `perfmem_${userInfo().username}`);
mkdirSync(appDir, { mode: 0o755 });

test('malformed families in the app file are dropped, good ones kept', async () => {
  const family = (name: string, labels: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    ({ name, help: 'h', type: 'counter', aggregator: 'sum', values: [{ labels, value: 5 }], ...extra });
  writeFileSync(join(appDir, appFileName('app:hostile')), JSON.stringify({
    v: 1, app: 'app:hostile', live: { '../../etc': { worker: 'x', families: [] } }, folded: { abc: 1 },
    exited: {
      w: [
        family('good_total', { a: 'b' }),
        family('bad name', {}),
        family('badlabel_total', { 'no-dash': 'x' }),
        family('badvalue_total', { a: { nested: true } }),
        family('badtype_total', {}, { type: 'exploit' }),
        { name: 'sneaky_total', help: 'h', type: 'counter', aggregator: 'sum', values: [{ labels: {}, value: 1, metricName: 'other_metric' }] },
      ],
    },
  }), { mode: 0o600 });
  const text = await new AggregatorRegistry().clusterMetrics({ app: 'app:hostile' });
  // Only the well-formed series survive (a family whose every series was refused prints no sample).
  assert.deepEqual(text.split('\n').filter((l) => l !== '' && !l.startsWith('#')), ['good_total{a="b"} 5']);
  assert.doesNotMatch(text, /bad name|badtype_total|exploit/);
});

test('a symlink in place of the app file is not followed', async () => {
  const target = join(dir, 'elsewhere.json');
  writeFileSync(target, JSON.stringify({ v: 1, app: 'app:linked', live: {}, folded: {}, exited: { w: [{ name: 'leak_total', help: 'h', type: 'counter', aggregator: 'sum', values: [{ labels: {}, value: 1 }] }] } }));
  symlinkSync(target, join(appDir, appFileName('app:linked')));
  const text = await new AggregatorRegistry().clusterMetrics({ app: 'app:linked' });
  assert.doesNotMatch(text, /leak_total/);
});

test('cleanup', () => {
  rmSync(dir, { recursive: true, force: true });
});
