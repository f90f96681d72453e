/** perfmem's version: the instrumentation scope's version in every payload. */
import { createRequire } from 'node:module';

let cached: string | undefined;

export function perfmemVersion(): string {
  if (cached !== undefined) return cached;
  try {
    // dist/src/export/otlp/version.js -> the package's root.
    cached = (createRequire(import.meta.url)('../../../../package.json') as { version: string }).version;
  } catch {
    cached = '';
  }
  return cached;
}
