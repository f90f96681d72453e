/**
 * How `perfmem stack <pid>` asks a process's watchdog for the main thread's stack, without
 * write access to anything of another user.
 *
 * The requester (the process's own user or root: nobody else can read the region anyway)
 * creates an empty file `<pid>.stack-request.<requester pid>` in ITS OWN per-user directory
 * next to the region's (`<base>/hsperfdata_<requester>/`, the base being the region's: /tmp,
 * /dev/shm or PERFMEM_DIR), then waits for node.watchdog.stack.time to pass the moment it made
 * the request, and removes its file. The watchdog watches (inotify) only its own user's
 * directory and root's, and serves a file only when the descriptor it opened (O_NOFOLLOW) is
 * a regular file with one link owned by its user or root, in a directory that passes the
 * region directory's safety rules for that owner. It answers by publishing into its own
 * region (the stack, its time, a status and a sequence number), never by writing elsewhere.
 * The name is not a pid, so JDK tools and perfmem's discovery ignore it.
 */
import { closeSync, constants, fstatSync, openSync, readdirSync, unlinkSync, lstatSync } from 'node:fs';
import { dirname } from 'node:path';
import { effectiveUser, userDirectory } from '../perfmemory/paths.js';
import { insecurity, makeUserDirectory } from '../perfmemory/directory.js';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK } = constants;

/** `<pid>.stack-request` or `<pid>.stack-request.<requester pid>`. */
export function isRequestFor(name: string, pid: number): boolean {
  const prefix = `${pid}.stack-request`;
  return name === prefix || (name.startsWith(`${prefix}.`) && /^[0-9]{1,10}$/.test(name.slice(prefix.length + 1)));
}

/** The base directory of a region file `<base>/hsperfdata_<user>/<pid>`. */
export function regionBase(regionPath: string): string {
  return dirname(dirname(regionPath));
}

/** The directories a watchdog of user `uid` serves requests from: its own and root's. */
export function requestDirectories(regionPath: string, uid: number): { path: string; owner: number }[] {
  const own = { path: dirname(regionPath), owner: uid };
  if (uid === 0) return [own];
  return [own, { path: userDirectory(regionBase(regionPath), 'root'), owner: 0 }];
}

/**
 * Files in `dir` that are well-formed requests for `pid`: checked on the opened descriptor.
 * Returns a key per request (stable while the file lives) so that each is served once.
 */
export function pendingRequests(dir: { path: string; owner: number }, pid: number, uid: number): string[] {
  let names: string[];
  try {
    const st = lstatSync(dir.path);
    if (insecurity(st, dir.owner) !== undefined || st.uid !== dir.owner) return [];
    names = readdirSync(dir.path);
  } catch {
    return [];
  }
  const keys: string[] = [];
  for (const name of names) {
    if (!isRequestFor(name, pid)) continue;
    let fd: number;
    try {
      fd = openSync(`${dir.path}/${name}`, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    } catch {
      continue;
    }
    try {
      const st = fstatSync(fd, { bigint: true });
      if (st.isFile() && st.nlink === 1n && (st.uid === BigInt(uid) || st.uid === 0n)) {
        keys.push(`${dir.path}/${name}:${st.ino}:${st.ctimeNs}`);
      }
    } catch {
      // gone meanwhile
    } finally {
      closeSync(fd);
    }
  }
  return keys;
}

/** A request made: remove() takes the file away again (whether answered or not). */
export interface StackRequest {
  readonly path: string;
  remove(): void;
}

/** Creates the request file for the process whose region is `regionPath`, in this user's directory. */
export function makeStackRequest(regionPath: string, pid: number): StackRequest {
  const me = effectiveUser();
  const dir = userDirectory(regionBase(regionPath), me.name);
  makeUserDirectory(dir, me.uid);
  const path = `${dir}/${pid}.stack-request.${process.pid}`;
  try { unlinkSync(path); } catch { /* a leftover of a killed requester with our pid */ }
  closeSync(openSync(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644));
  return {
    path,
    remove() { try { unlinkSync(path); } catch { /* already gone */ } },
  };
}
