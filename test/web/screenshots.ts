/**
 * Not a test: `node dist/test/web/screenshots.js` makes the dashboard screenshots under docs/
 * (light and dark, the process table, a blocked process's detail, a narrow window) from the
 * fake API with ten minutes of back-filled history, in headless chromium.
 */
import { join } from 'node:path';
import { REPO } from '../cli/helpers.js';
import { FakeApi } from './fake-api.js';
import { findChromium, openBrowser } from './browser.js';

const chromium = findChromium();
if (!chromium) {
  process.stderr.write('screenshots: chromium is not installed\n');
  process.exit(1);
}
const docs = join(REPO, 'docs');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const api = new FakeApi({ processes: 12, intervalMs: 1000, apps: ['shop-api', 'search', 'checkout'] });
api.backfill(600);
const blocked = [...api.processes.values()].find((p) => p.summary.app === 'shop-api' && p.summary.worker === '2')!;
api.block(blocked.summary.pid, 4200);
const url = await api.start();

for (const scheme of ['light', 'dark'] as const) {
  const s = await openBrowser(chromium, { width: 1280, height: 800 }, scheme);
  await s.page.goto(url);
  await s.page.waitForSelector('#process-table tr.proc');
  await sleep(30_000); // half a minute of live samples for the sparklines
  await s.page.screenshot({ path: join(docs, scheme === 'light' ? 'dashboard.png' : 'dashboard-dark.png') });
  if (scheme === 'light') {
    await s.page.goto(`${url}#/process/${blocked.summary.pid}`);
    await s.page.waitForSelector('[data-chart=cpu] canvas');
    await sleep(8_000);
    await s.page.screenshot({ path: join(docs, 'dashboard-detail.png'), fullPage: false, clip: { x: 0, y: 0, width: 1280, height: 1400 } });
    await s.page.setViewport({ width: 420, height: 800 });
    await s.page.goto(url);
    await sleep(3_000);
    await s.page.screenshot({ path: join(docs, 'dashboard-narrow.png') });
  }
  if (s.errors.length || s.foreign.length) process.stderr.write(`screenshots: ${JSON.stringify({ errors: s.errors, foreign: s.foreign })}\n`);
  await s.close();
}
await api.stop();
process.stderr.write('screenshots: docs/dashboard.png, dashboard-dark.png, dashboard-detail.png, dashboard-narrow.png\n');
