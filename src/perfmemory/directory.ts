/**
 * The per-user directory and its safety rules, after HotSpot's perfMemory_linux.cpp: it must be
 * a real directory (not a symlink), not writable by group or others, and owned by the expected
 * user. A writer expects its effective user, root included (stricter than HotSpot, which lets
 * root use anyone's directory: a directory another user made first would hold root's region);
 * a reader running as root, or a listing, accepts any owner ('any'). It is opened without following symlinks and every file in it is reached
 * through that open descriptor (`/proc/self/fd/<fd>/<name>`, which resolves the directory by
 * descriptor, not by name), so swapping the directory for a symlink after the check gains nothing.
 */
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, type Stats } from 'node:fs';
import { PerfMemoryError } from './errors.js';

const { O_RDONLY, O_NOFOLLOW, O_DIRECTORY, S_IFMT, S_IFDIR, S_IFREG, S_IWGRP, S_IWOTH } = constants;

/** Whose directory is acceptable: a uid, or 'any' (a reader as root, a listing). */
export type Owner = number | 'any';

/** The owner a reader running as `euid` requires: its own directories, or anyone's for root (as HotSpot's attach). */
export function readerOwner(euid: number = process.geteuid?.() ?? 0): Owner {
  return euid === 0 ? 'any' : euid;
}

/** Why a directory is not safe for region files, or undefined when it is. */
export function insecurity(st: Stats, owner: Owner): string | undefined {
  if ((st.mode & S_IFMT) !== S_IFDIR) return st.isSymbolicLink() ? 'is a symbolic link' : 'is not a directory';
  if ((st.mode & (S_IWGRP | S_IWOTH)) !== 0) return `is writable by group or others (mode ${(st.mode & 0o7777).toString(8)})`;
  if (owner !== 'any' && st.uid !== owner) return `is owned by uid ${st.uid}, not ${owner}`;
  return undefined;
}

/**
 * Why a region file is not safe for a writer running as `euid` (root included) to map, or
 * undefined: the reader's rules, plus owned by the writer and writable by nobody else, so no
 * other user can truncate it under the writer's mapping (which would kill it with SIGBUS).
 */
export function writerFileInsecurity(st: Stats, euid: number): string | undefined {
  const why = fileInsecurity(st);
  if (why !== undefined) return why;
  if (st.uid !== euid) return `is owned by uid ${st.uid}, not ${euid}`;
  if ((st.mode & (S_IWGRP | S_IWOTH)) !== 0) return `is writable by group or others (mode ${(st.mode & 0o7777).toString(8)})`;
  return undefined;
}

/**
 * Why a region file is not safe to use, or undefined when it is: HotSpot's rules (a regular
 * file, never a symlink; with `singleLink`, one hard link). `st` is from lstat or fstat.
 */
export function fileInsecurity(st: Stats, singleLink = true): string | undefined {
  if ((st.mode & S_IFMT) !== S_IFREG) return st.isSymbolicLink() ? 'is a symbolic link' : 'is not a regular file';
  if (singleLink && st.nlink > 1) return `has ${st.nlink} hard links`;
  return undefined;
}

/** ERR_INSECURE_FILE naming the file and what is wrong with it. */
export function insecureFile(path: string, why: string): PerfMemoryError {
  return new PerfMemoryError('ERR_INSECURE_FILE', `Insecure file: ${path} ${why}`, path);
}

function insecure(path: string, why: string): PerfMemoryError {
  return new PerfMemoryError('ERR_INSECURE_DIRECTORY', `Insecure directory: ${path} ${why}`, path);
}

/** Throws ERR_INSECURE_DIRECTORY unless `path` (not followed if a symlink) is a safe directory. */
export function checkDirectory(path: string, owner: Owner): void {
  const why = insecurity(lstatSync(path), owner);
  if (why !== undefined) throw insecure(path, why);
}

/**
 * Creates the user directory with mode 0755 when it is missing; an existing one must pass the
 * safety rules. Other failures (EACCES on the base, ENOENT for a missing base) are SystemErrors.
 */
export function makeUserDirectory(path: string, euid: number): void {
  // (The check that matters is SecureDirectory.open's, on the descriptor; this one gives the
  // early, precise message.)
  try {
    mkdirSync(path, 0o755);
  } catch (err) {
    if ((err as { code?: string }).code !== 'EEXIST') throw err;
  }
  checkDirectory(path, euid);
}

/** A safe directory held open: files in it are named through the descriptor. */
export class SecureDirectory {
  private constructor(readonly path: string, readonly fd: number, readonly dev: number, readonly ino: number,
    /** The directory's owner, as the open descriptor says. */
    readonly uid: number) {}

  /**
   * Opens `path` with O_NOFOLLOW and checks the opened directory itself (fstat), so a symlink
   * or an unsafe directory is refused whatever happens to the name meanwhile.
   */
  static open(path: string, owner: Owner): SecureDirectory {
    let fd: number;
    try {
      fd = openSync(path, O_RDONLY | O_NOFOLLOW | O_DIRECTORY);
    } catch (err) {
      const code = (err as { code?: string }).code;
      // With O_DIRECTORY, Linux reports a symlink as ENOTDIR rather than ELOOP: look again.
      if (code === 'ELOOP' || code === 'ENOTDIR') {
        throw insecure(path, lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() === true ? 'is a symbolic link' : 'is not a directory');
      }
      throw err;
    }
    try {
      const st = fstatSync(fd);
      const why = insecurity(st, owner);
      if (why !== undefined) throw insecure(path, why);
      return new SecureDirectory(path, fd, st.dev, st.ino, st.uid);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** A path that reaches `name` inside this very directory, whatever its name now points to. */
  at(name: string): string {
    return `/proc/self/fd/${this.fd}/${name}`;
  }

  /** The display path of `name` (for messages and `region.path`). */
  display(name: string): string {
    return `${this.path}/${name}`;
  }

  names(): string[] {
    return readdirSync(`/proc/self/fd/${this.fd}`);
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}
