/** The named objects this user can see: the regular files of /dev/shm (and of hugetlbfs mounts). */
import { lstatSync, readdirSync } from 'node:fs';
import { isErrorCode } from '../sys/index.js';
import { SHM_DIR, fileOf } from './names.js';
import { hugetlbfsMounts } from './pagesizes.js';

export interface ShmObjectInfo {
  /** '/name', as given to shmOpen. */
  name: string;
  size: number;
  /** Permission bits. */
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
}

/** Sorted by name. Objects removed while listing are left out. */
export function listObjects(): ShmObjectInfo[] {
  const found = new Map<string, ShmObjectInfo>();
  for (const dir of [SHM_DIR, ...hugetlbfsMounts().map((m) => m.dir)]) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (err) {
      if (isErrorCode(err, 'ENOENT', 'EACCES')) continue;
      throw err;
    }
    for (const entry of names) {
      try {
        const s = lstatSync(fileOf(entry, dir));
        if (!s.isFile() || found.has(`/${entry}`)) continue;
        found.set(`/${entry}`, { name: `/${entry}`, size: s.size, mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, mtime: s.mtime });
      } catch (err) {
        if (!isErrorCode(err, 'ENOENT')) throw err;
      }
    }
  }
  return [...found.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
