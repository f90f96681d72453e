import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { announceDashboard, browserCommand, dashboardUrl, openInBrowser } from '../../src/serve/open.js';
import { ASSETS_DIR } from '../../src/serve/dashboard.js';
import { BIN } from '../cli/helpers.js';

test('dashboardUrl: wildcard addresses are reached over loopback, IPv6 in brackets', () => {
  assert.equal(dashboardUrl({ address: '127.0.0.1', family: 'IPv4', port: 10099 }), 'http://127.0.0.1:10099/');
  assert.equal(dashboardUrl({ address: '0.0.0.0', family: 'IPv4', port: 80 }), 'http://127.0.0.1:80/');
  assert.equal(dashboardUrl({ address: '::', family: 'IPv6', port: 9 }), 'http://[::1]:9/');
  assert.equal(dashboardUrl({ address: '::1', family: 'IPv6', port: 9 }, true), 'https://[::1]:9/');
});

test('browserCommand: $BROWSER first entry, %s placeholder, xdg-open only with a display', () => {
  const url = 'http://127.0.0.1:1/';
  assert.deepEqual(browserCommand(url, { BROWSER: 'firefox:chromium' }), { file: 'firefox', args: [url] });
  assert.deepEqual(browserCommand(url, { BROWSER: 'w3m -o x %s --tail' }), { file: 'w3m', args: ['-o', 'x', url, '--tail'] });
  assert.equal(browserCommand(url, { PATH: '/usr/bin:/bin' }), undefined, 'no $BROWSER and no display: nothing is opened');
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-open-'));
  try {
    writeFileSync(join(dir, 'xdg-open'), '#!/bin/sh\n');
    chmodSync(join(dir, 'xdg-open'), 0o755);
    assert.deepEqual(browserCommand(url, { PATH: dir, DISPLAY: ':0' }), { file: join(dir, 'xdg-open'), args: [url] });
    assert.equal(browserCommand(url, { PATH: dir }), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('openInBrowser runs the configured browser with the URL; announceDashboard prints one line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-open-'));
  try {
    const script = join(dir, 'fake-browser');
    const out = join(dir, 'opened');
    writeFileSync(script, `#!/bin/sh\nprintf '%s' "$1" > ${out}.tmp && mv ${out}.tmp ${out}\n`);
    chmodSync(script, 0o755);
    const lines: string[] = [];
    const r = await announceDashboard('http://127.0.0.1:5/', { open: true, json: false }, (l) => lines.push(l), { BROWSER: script, PATH: process.env.PATH });
    assert.equal(r.opened, script);
    assert.deepEqual(lines, [`perfmem serve: dashboard at http://127.0.0.1:5/ (opened with ${script})`]);
    for (let i = 0; i < 200 && !existsSync(out); i++) await new Promise((res) => setTimeout(res, 25));
    assert.equal(readFileSync(out, 'utf8'), 'http://127.0.0.1:5/');

    const missing = await openInBrowser('http://127.0.0.1:5/', { BROWSER: join(dir, 'no-such-browser') });
    assert.equal(missing.opened, undefined);
    assert.match(missing.reason ?? '', /ENOENT/);

    const json: string[] = [];
    await announceDashboard('http://127.0.0.1:5/', { open: true, json: true }, (l) => json.push(l), { PATH: '' });
    assert.deepEqual(JSON.parse(json[0]!), { dashboard: 'http://127.0.0.1:5/', opened: null, reason: 'no browser configured (set $BROWSER, or run on a desktop session)' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('`perfmem serve --open` prints the dashboard URL and opens it with $BROWSER', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'perfmem-open-'));
  const script = join(dir, 'fake-browser');
  const out = join(dir, 'opened');
  writeFileSync(script, `#!/bin/sh\nprintf '%s' "$1" > ${out}.tmp && mv ${out}.tmp ${out}\n`);
  chmodSync(script, 0o755);
  const child = spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0', '--dir', dir, '--open'], {
    stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, BROWSER: script },
  });
  t.after(() => {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
  for (let i = 0; i < 400 && !/dashboard at/.test(stderr); i++) await new Promise((r) => setTimeout(r, 50));
  const m = /perfmem serve: dashboard at (http:\/\/127\.0\.0\.1:\d+\/) \(opened with (.*)\)\n/.exec(stderr);
  assert.ok(m, stderr);
  assert.equal(m[2], script);
  for (let i = 0; i < 200 && !existsSync(out); i++) await new Promise((r) => setTimeout(r, 25));
  assert.equal(readFileSync(out, 'utf8'), m[1]);
  const page = await fetch(m[1]!);
  assert.equal(page.status, existsSync(new URL('manifest.json', ASSETS_DIR)) ? 200 : 503);
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
});
