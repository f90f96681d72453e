// `npm run build:web`: bundles the dashboard (src/web/, with uPlot) into content-hashed files in
// dist/src/web/assets/, plus index.html pointing at them and manifest.json, which
// src/serve/dashboard.ts serves. Nothing is fetched at run time: no CDN.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const web = join(repo, 'src', 'web');
const out = join(repo, 'dist', 'src', 'web', 'assets');

async function bundle(entry) {
  const result = await build({
    entryPoints: [join(web, entry)],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome100', 'firefox100', 'safari15'],
    write: false,
    outdir: out,
    legalComments: 'none',
    logLevel: 'warning',
  });
  if (result.outputFiles.length !== 1) throw new Error(`build-web: ${entry} gave ${result.outputFiles.length} files`);
  return Buffer.from(result.outputFiles[0].contents);
}

const hash = (bytes) => createHash('sha256').update(bytes).digest('hex').slice(0, 12);
const files = {
  'app.js': await bundle('main.ts'),
  'app.css': await bundle('styles.css'),
  'icon.svg': readFileSync(join(web, 'icon.svg')),
};

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const manifest = { index: 'index.html', assets: {} };
const names = {};
for (const [name, bytes] of Object.entries(files)) {
  const dot = name.lastIndexOf('.');
  const hashed = `${name.slice(0, dot)}.${hash(bytes)}${name.slice(dot)}`;
  writeFileSync(join(out, hashed), bytes);
  names[name] = hashed;
  manifest.assets[hashed] = { source: name, bytes: bytes.length };
}
let html = readFileSync(join(web, 'index.html'), 'utf8');
html = html.replace(/\{\{([a-z.]+)\}\}/g, (_, name) => {
  if (!names[name]) throw new Error(`build-web: index.html names unknown asset ${name}`);
  return names[name];
});
writeFileSync(join(out, 'index.html'), html);
writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
process.stdout.write(`build-web: ${Object.values(names).map((n) => `${n} ${manifest.assets[n].bytes} B`).join(', ')}\n`);
