#!/usr/bin/env node
// The `perfmem` command (CommonJS: bin/package.json). It runs the bundled CLI
// (dist/src/cli-bundle/main.cjs: three files instead of ~90 modules, built by `npm install` /
// `npm run build`), or the compiled modules when the bundle is missing or older than the last
// `tsc` run (a developer who ran only `npx tsc -p .`).
'use strict';
const { statSync } = require('node:fs');
const { join } = require('node:path');

const dist = join(__dirname, '..', 'dist');
const mtime = (path) => statSync(join(dist, path), { throwIfNoEntry: false })?.mtimeMs ?? -1;
const main = mtime('src/cli-bundle/main.cjs') >= mtime('.tsbuildinfo')
  ? require('../dist/src/cli-bundle/main.cjs').main
  : (argv) => import('../dist/src/cli/main.js').then((m) => m.main(argv));

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
