/**
 * The dashboard's files, as `perfmem serve` hands them out: GET/HEAD of `/` (index.html) and
 * `/assets/<name>` (content-hashed by `npm run build:web`, so cached for a year as immutable).
 * Every answer carries a strict Content-Security-Policy: scripts, styles and connections only
 * from this server, no inline script, no frames, so nothing in a page built from region
 * strings can run script or send data anywhere else.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'x-frame-options': 'DENY',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

interface Asset {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  etag: string;
  cacheControl: string;
}

interface Assets {
  index: Asset;
  byName: Map<string, Asset>;
}

/** Where `npm run build:web` puts the files: dist/src/web/assets beside dist/src/serve. */
export const ASSETS_DIR = new URL('../web/assets/', import.meta.url);

function makeAsset(body: Buffer, name: string, immutable: boolean): Asset {
  const ext = name.slice(name.lastIndexOf('.'));
  const gz = body.length > 1024 ? gzipSync(body, { level: 9 }) : null;
  return {
    body,
    gzip: gz && gz.length < body.length ? gz : null,
    type: CONTENT_TYPES[ext] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    // index.html names the current hashed files: revalidate it every time; the hashed files never change.
    cacheControl: immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
}

/** Reads the built assets once (the manifest lists them); null when they were not built. */
export function loadAssets(dir: URL = ASSETS_DIR): Assets | null {
  let manifest: { index: string; assets: Record<string, unknown> };
  try {
    manifest = JSON.parse(readFileSync(new URL('manifest.json', dir), 'utf8')) as typeof manifest;
  } catch {
    return null;
  }
  const byName = new Map<string, Asset>();
  for (const name of Object.keys(manifest.assets)) {
    // The manifest is ours, but keep names to plain file names anyway.
    if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith('.')) continue;
    byName.set(name, makeAsset(readFileSync(new URL(name, dir)), name, true));
  }
  return { index: makeAsset(readFileSync(new URL('index.html', dir)), 'index.html', false), byName };
}

let cached: Assets | null | undefined;

function assets(): Assets | null {
  if (cached === undefined) cached = loadAssets();
  return cached;
}

function send(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer): void {
  res.writeHead(status, { ...SECURITY_HEADERS, ...headers, 'content-length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendText(req: IncomingMessage, res: ServerResponse, status: number, text: string): void {
  send(req, res, status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, Buffer.from(`${text}\n`));
}

function acceptsGzip(req: IncomingMessage): boolean {
  const ae = req.headers['accept-encoding'];
  return typeof ae === 'string' && /\bgzip\b/.test(ae);
}

function sendAsset(req: IncomingMessage, res: ServerResponse, a: Asset): void {
  const headers: Record<string, string> = { 'content-type': a.type, 'cache-control': a.cacheControl, etag: a.etag, vary: 'accept-encoding' };
  const inm = req.headers['if-none-match'];
  if (typeof inm === 'string' && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === a.etag)) {
    res.writeHead(304, { ...SECURITY_HEADERS, ...headers });
    res.end();
    return;
  }
  if (a.gzip && acceptsGzip(req)) send(req, res, 200, { ...headers, 'content-encoding': 'gzip' }, a.gzip);
  else send(req, res, 200, headers, a.body);
}

/**
 * Answers GET/HEAD of `/`, `/index.html` and `/assets/*`; returns false for anything else so
 * the server can answer it (404). `url` is the request's parsed URL.
 */
export function serveDashboard(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const path = url.pathname;
  if (path !== '/' && path !== '/index.html' && !path.startsWith('/assets/')) return false;
  const built = assets();
  if (!built) {
    sendText(req, res, 503, 'perfmem: the dashboard assets are not built (run `npm run build:web`); the JSON API is at /api/processes');
    return true;
  }
  if (path === '/' || path === '/index.html') {
    sendAsset(req, res, built.index);
    return true;
  }
  const a = built.byName.get(path.slice('/assets/'.length));
  if (!a) sendText(req, res, 404, 'perfmem: no such asset');
  else sendAsset(req, res, a);
  return true;
}
