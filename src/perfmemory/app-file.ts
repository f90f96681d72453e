/**
 * Small per-app files kept next to the regions, under the same rules: a per-user directory
 * `<base>/perfmem_<user>` (not hsperfdata_<user>: a starting JVM deletes every file there whose
 * name is not a pid), safe as a region's directory, files reached through its descriptor,
 * never through a link, mode 0600, one link. Updates are serialised by an exclusive flock on
 * `<name>.lock` and land atomically (written to `<name>.tmp`, then renamed), so a reader never
 * sees half a file and needs no lock. perfmem/metrics keeps its exited workers' totals here.
 */
import { closeSync, constants, fstatSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { flock, LOCK_EX } from '../sys/index.js';
import { fileInsecurity, insecureFile, makeUserDirectory, SecureDirectory } from './directory.js';
import { effectiveUser } from './paths.js';

const { O_RDONLY, O_RDWR, O_WRONLY, O_CREAT, O_TRUNC, O_NOFOLLOW, O_NONBLOCK } = constants;
/** Larger files are refused as hostile. */
export const MAX_APP_FILE_BYTES = 16 * 1024 * 1024;
const NAME_RE = /^[A-Za-z0-9_.:-]{1,200}$/;

export function appDirectory(base: string, user = effectiveUser().name): string {
  return `${base.endsWith('/') && base.length > 1 ? base.slice(0, -1) : base}/perfmem_${user}`;
}

function readAll(fd: number, path: string): string {
  const st = fstatSync(fd);
  const why = fileInsecurity(st);
  if (why !== undefined) throw insecureFile(path, why);
  if (st.size > MAX_APP_FILE_BYTES) throw insecureFile(path, `holds ${st.size} bytes, more than ${MAX_APP_FILE_BYTES}`);
  const buf = Buffer.alloc(st.size);
  let done = 0;
  while (done < st.size) {
    const n = readSync(fd, buf, done, st.size - done, done);
    if (n === 0) break;
    done += n;
  }
  return buf.subarray(0, done).toString('utf8');
}

export class AppFiles {
  private constructor(private readonly dir: SecureDirectory) {}

  /** Opens (creating when `create`) the per-user app directory under `base`; undefined when missing. */
  static open(base: string, create: boolean): AppFiles | undefined {
    const user = effectiveUser();
    const path = appDirectory(base, user.name);
    try {
      if (create) makeUserDirectory(path, user.uid);
      return new AppFiles(SecureDirectory.open(path, user.uid));
    } catch (err) {
      if (!create && (err as { code?: string }).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  get path(): string {
    return this.dir.path;
  }

  /** Names of the app files (not the locks or temporaries). */
  names(): string[] {
    try {
      return this.dir.names().filter((n) => NAME_RE.test(n) && !n.endsWith('.lock') && !n.endsWith('.tmp'));
    } catch {
      return [];
    }
  }

  /** Every entry of the directory, locks included (what a test counts). */
  allNames(): string[] {
    return this.dir.names();
  }

  /** The file's text now, or undefined when it does not exist. */
  read(name: string): string | undefined {
    checkName(name);
    let fd: number;
    try {
      fd = openSync(this.dir.at(name), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ENOENT') return undefined;
      if (code === 'ELOOP') throw insecureFile(this.dir.display(name), 'is a symbolic link');
      throw err;
    }
    try {
      return readAll(fd, this.dir.display(name));
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Runs `fn` holding the file's lock, with its current text; `fn` returns the new text, or
   * null to remove the file (and its lock), or undefined to leave it as it is.
   */
  update(name: string, fn: (current: string | undefined) => string | null | undefined): void {
    checkName(name);
    const lockName = `${name}.lock`;
    for (;;) {
      const lock = openSync(this.dir.at(lockName), O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0o600);
      try {
        const why = fileInsecurity(fstatSync(lock));
        if (why !== undefined) throw insecureFile(this.dir.display(lockName), why);
        flock(lock, LOCK_EX);
        // The previous holder may have removed the lock file after we opened it: start over.
        if (fstatSync(lock).nlink === 0) continue;
        const current = this.read(name);
        let next = fn(current);
        // A lock without its file is left over from a removal: remove it too.
        if (next === undefined && current === undefined) next = null;
        if (next === null) {
          for (const n of [name, lockName]) {
            try {
              unlinkSync(this.dir.at(n));
            } catch {
              // already gone
            }
          }
        } else if (next !== undefined) {
          const tmp = `${name}.tmp`;
          try {
            unlinkSync(this.dir.at(tmp));
          } catch {
            // none left over
          }
          const fd = openSync(this.dir.at(tmp), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o600);
          try {
            const data = Buffer.from(next, 'utf8');
            for (let done = 0; done < data.length;) done += writeSync(fd, data, done, data.length - done);
          } finally {
            closeSync(fd);
          }
          renameSync(this.dir.at(tmp), this.dir.at(name));
        }
        return;
      } finally {
        closeSync(lock);
      }
    }
  }

  close(): void {
    this.dir.close();
  }
}

function checkName(name: string): void {
  if (!NAME_RE.test(name)) throw new TypeError(`perfmem: ${JSON.stringify(name)} is not a valid app file name`);
}
