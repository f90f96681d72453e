/** Test helpers: the JDK's jstat as the reference, and the real hsperfdata fixture files. */
import { execFile, execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The fixture directory, found from the compiled test (dist/test/perfdata) or the source. */
export const FIXTURE_DIR = fileURLToPath(new URL('../../../test/fixtures/hsperfdata/', import.meta.url));

/** Every real JVM file (all but the README). */
export function fixtureFiles(): string[] {
  return readdirSync(FIXTURE_DIR).filter((f) => !f.endsWith('.md')).sort().map((f) => FIXTURE_DIR + f);
}

let javaChecked: boolean | undefined;
/** True when the JDK tools are on PATH (tests that need them skip visibly otherwise). */
export function haveJdk(): boolean {
  if (javaChecked === undefined) {
    try {
      execFileSync('jstat', ['-help'], { stdio: 'ignore' });
      javaChecked = true;
    } catch {
      javaChecked = false;
    }
  }
  return javaChecked;
}

/** What `jstat -J-Djstat.showUnsupported=true -snap [-v] <target>` prints. */
export async function jstatSnap(target: string, verbose: boolean): Promise<string> {
  const args = ['-J-Djstat.showUnsupported=true', '-snap'];
  if (verbose) args.push('-v');
  args.push(target);
  const { stdout } = await run('jstat', args, { maxBuffer: 16 << 20 });
  return stdout;
}
