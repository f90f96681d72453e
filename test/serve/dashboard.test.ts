import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { existsSync } from 'node:fs';
import { ASSETS_DIR, CONTENT_SECURITY_POLICY, serveDashboard } from '../../src/serve/dashboard.js';

let server: Server;
let base: string;
const built = existsSync(new URL('manifest.json', ASSETS_DIR));

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }

function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

before(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!serveDashboard(req, res, url)) {
      res.writeHead(418);
      res.end('not the dashboard');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

test('GET / serves index.html with a strict CSP, revalidated by ETag', { skip: !built && 'dashboard assets not built (npm run build:web)' }, async () => {
  const r = await get('/');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(r.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
  assert.match(CONTENT_SECURITY_POLICY, /default-src 'self'/);
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|\*/);
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.equal(r.headers['cache-control'], 'no-cache');
  const html = r.body.toString('utf8');
  assert.doesNotMatch(html, /<script>|<script [^>]*>[^<]/, 'no inline script');
  assert.doesNotMatch(html, /https?:\/\//, 'nothing from another host');
  const etag = r.headers.etag as string;
  assert.ok(etag);
  const again = await get('/', { 'if-none-match': etag });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
});

test('assets: content-hashed names, immutable caching, right types, gzip when asked, HEAD without a body', { skip: !built && 'dashboard assets not built' }, async () => {
  const html = (await get('/')).body.toString('utf8');
  const names = [...html.matchAll(/\/assets\/([A-Za-z0-9_.-]+)/g)].map((m) => m[1]!);
  assert.equal(names.length, 3);
  const types: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8', svg: 'image/svg+xml' };
  for (const name of names) {
    assert.match(name, /\.[0-9a-f]{12}\.(js|css|svg)$/);
    const r = await get(`/assets/${name}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], types[name.split('.').pop()!]);
    assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(r.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
    const head = await get(`/assets/${name}`, {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal(head.headers['content-length'], String(r.body.length));
    if (name.endsWith('.js')) {
      const gz = await get(`/assets/${name}`, { 'accept-encoding': 'gzip, br' });
      assert.equal(gz.headers['content-encoding'], 'gzip');
      assert.deepEqual(gunzipSync(gz.body), r.body);
      assert.ok(gz.body.length < r.body.length / 2);
      // uPlot is inside the bundle: no CDN.
      assert.match(r.body.toString('utf8'), /uplot/i);
    }
  }
});

test('unknown assets are 404; other paths and methods are left to the server', { skip: !built && 'dashboard assets not built' }, async () => {
  assert.equal((await get('/assets/app.000000000000.js')).status, 404);
  assert.equal((await get('/assets/../package.json')).status, 418, 'the URL parser resolves ../ away: not an asset path');
  assert.equal((await get('/assets/%2e%2e%2fpackage.json')).status, 404);
  assert.equal((await get('/metrics')).status, 418);
  assert.equal((await get('/api/processes')).status, 418);
  assert.equal((await get('/', {}, 'POST')).status, 418);
});
