/**
 * `perfmem shm`: list and manage POSIX shared memory objects, after FreeBSD's posixshmcontrol(1).
 * Each name is handled on its own: a failure prints one line and the rest still run (exit 1).
 */
import { constants, readFileSync, writeSync } from 'node:fs';
import { HexDumper } from './hexdump.js';
import { seekData } from '../sys/index.js';
import { escapeTerminal } from './escape.js';
import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';
import { writeOut } from './output.js';
import {
  shmOpen, shmUnlink, shmCreateLargepage, listObjects, getPageSizes, SHM_LARGEPAGE_ALLOC_DEFAULT,
  type ShmObject, type ShmObjectInfo,
} from '../shm/index.js';

const USAGE = `usage: perfmem shm <command> [options]

commands:
  ls [-l] [--json]                      list the named objects (long: mode, owner, group, size, mtime)
  create [-m mode] [-s size] [-l psind] name...
                                        create objects (mode in octal, default 600; -l: large pages
                                        of getPageSizes()[psind])
  rm name...                            remove objects
  stat [--json] name...                 show an object's attributes
  dump name                             hex dump of an object's contents
  truncate -s size name...              set the size of objects

options:
  -l          (ls) long listing: mode, owner, group, size, modification time, name
  --json      (ls, stat) JSON instead of text; names exact (text output escapes control characters)
  -m mode     (create) permission bits in octal, 0 to 777 (default 600, less the umask); setuid,
              setgid and sticky bits are refused: they do not apply to shared memory objects
  -s size     (create, truncate) size in bytes, or with a k, m, g or t suffix (powers of 1024)
  -l psind    (create) back the object with large pages of getPageSizes()[psind]

A name is '/name' (the leading slash may be left out). An existing object is opened by create,
not an error (as posixshmcontrol). dump prints what util-linux hexdump -C prints: repeated lines
as '*'; the holes of a sparse object are skipped unread, and a closed pipe (| head) ends it at once.

examples:
  perfmem shm create -m 640 -s 1m /cache
  perfmem shm ls -l
  perfmem shm dump /cache | head
  perfmem shm truncate -s 0 /cache && perfmem shm rm /cache`;

/** Bytes from '4096', '64k', '2M', '1g' (powers of 1024). */
export function parseSize(text: string, command = 'shm'): number {
  const m = /^(\d+)([kmgt]?)$/i.exec(text);
  const scale = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }[(m?.[2] ?? '').toLowerCase()] ?? 1;
  const bytes = m ? Number(m[1]) * scale : NaN;
  if (!Number.isSafeInteger(bytes)) throw new UsageError(`${command}: bad size '${escapeTerminal(text)}' (bytes, or a number with a k, m, g or t suffix)`);
  return bytes;
}

/**
 * Permission bits from an octal string ('600', '0644'). Only the nine rwx bits apply to a
 * shared memory object: setuid, setgid and sticky bits (04000, 02000, 01000) are refused
 * rather than silently dropped by the kernel.
 */
export function parseMode(text: string, command = 'shm'): number {
  if (!/^[0-7]{1,4}$/.test(text)) throw new UsageError(`${command}: bad mode '${escapeTerminal(text)}' (octal permission bits, 0 to 777, e.g. 600)`);
  const mode = parseInt(text, 8);
  if (mode > 0o777) {
    throw new UsageError(`${command}: bad mode '${text}': only the permission bits 0 to 777 apply to a shared memory object (no setuid, setgid or sticky bit)`);
  }
  return mode;
}

/** '/name' from 'name' or '/name'. */
export function objectName(text: string): string {
  return text.startsWith('/') ? text : `/${text}`;
}

/** 'rw-r-----' for 0o640. */
export function modeString(mode: number): string {
  let s = '';
  for (let shift = 6; shift >= 0; shift -= 3) {
    const bits = (mode >> shift) & 7;
    s += (bits & 4 ? 'r' : '-') + (bits & 2 ? 'w' : '-') + (bits & 1 ? 'x' : '-');
  }
  return s;
}

/** Names for uids/gids from /etc/passwd and /etc/group, falling back to the number. */
function idNames(file: string): (id: number) => string {
  const names = new Map<number, string>();
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (name && id !== undefined && !names.has(Number(id))) names.set(Number(id), name);
    }
  } catch {
    // No such database: numbers will do.
  }
  return (id) => names.get(id) ?? String(id);
}

/** Lines like `hexdump -C`: offset, 16 bytes in two groups of 8, printable ASCII; repeats as '*'. */
export function hexdumpLines(bytes: Uint8Array, startOffset = 0, state = { previous: '', starred: false }): string[] {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const row = bytes.subarray(i, i + 16);
    const key = Buffer.from(row).toString('hex');
    if (row.length === 16 && key === state.previous) {
      if (!state.starred) lines.push('*');
      state.starred = true;
      continue;
    }
    state.previous = key;
    state.starred = false;
    let hex = '';
    let text = '';
    for (let j = 0; j < 16; j++) {
      hex += (j < row.length ? row[j]!.toString(16).padStart(2, '0') : '  ') + (j === 7 ? '  ' : ' ');
      if (j < row.length) text += row[j]! >= 0x20 && row[j]! < 0x7f ? String.fromCharCode(row[j]!) : '.';
    }
    lines.push(`${(startOffset + i).toString(16).padStart(8, '0')}  ${hex} |${text}|`);
  }
  return lines;
}

type Options = Record<string, { type: 'string' | 'boolean'; short?: string }>;

function parse(command: string, argv: string[], options: Options): { values: Record<string, string | boolean | undefined>; names: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' }, ...options }, allowPositionals: true, strict: true });
    if (values.help) {
      process.stdout.write(USAGE + '\n');
      throw new UsageError('', 0);
    }
    return { values: values as Record<string, string | boolean | undefined>, names: positionals };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const e = err as { code?: string; message: string };
    const option = /'([^']+)'/.exec(e.message)?.[1] ?? '';
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`shm ${command}: unknown option '${escapeTerminal(option)}'`);
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const flag = option.split(',')[0]!;
      // parseArgs refuses a value that starts with '-' (`-m -1`) as if there were none: a value
      // was given, and it is a bad one.
      const entry = Object.entries(options).find(([long, o]) => flag === `--${long}` || flag === `-${o.short}`);
      const spellings = entry === undefined ? [flag] : [`--${entry[0]}`, ...(entry[1].short ? [`-${entry[1].short}`] : [])];
      const at = argv.findIndex((a) => spellings.includes(a));
      const value = at >= 0 ? argv[at + 1] : undefined;
      if (value !== undefined) throw new UsageError(`shm ${command}: bad value '${escapeTerminal(value)}' for ${flag}${valueHint(spellings[spellings.length - 1]!)}`);
      throw new UsageError(`shm ${command}: option '${flag}' needs a value${valueHint(spellings[spellings.length - 1]!)}`);
    }
    throw new UsageError(`shm ${command}: ${escapeTerminal(e.message.split('\n')[0]!)}`);
  }
}

function valueHint(flag: string): string {
  if (flag === '-m') return ' (octal permission bits, 0 to 777, e.g. 600)';
  if (flag === '-s') return ' (bytes, or a number with a k, m, g or t suffix)';
  if (flag === '-l') return ' (a page size index)';
  return '';
}

function needNames(command: string, names: string[], max = Infinity): void {
  if (names.length === 0) throw new UsageError(`shm ${command}: no object named (usage: perfmem shm ${command} ... name)`);
  if (names.length > max) throw new UsageError(`shm ${command}: one name only`);
}

/** Runs `fn` for each name; an OS or perfmem error prints one line and makes the exit code 1. */
async function eachName(names: string[], fn: (name: string) => void | Promise<void>): Promise<number> {
  let status = 0;
  for (const text of names) {
    try {
      await fn(objectName(text));
    } catch (err) {
      const e = err as { code?: unknown; message?: string };
      if (typeof e.code !== 'string') throw err;
      process.stderr.write(`perfmem: ${escapeTerminal(e.message ?? '')}\n`);
      status = 1;
    }
  }
  return status;
}

function withObject<T>(name: string, flags: number, fn: (o: ShmObject) => T): T {
  const o = shmOpen(name, flags);
  try {
    return fn(o);
  } finally {
    o.close();
  }
}

function jsonInfo(e: ShmObjectInfo, user: (id: number) => string, group: (id: number) => string): Record<string, unknown> {
  return { name: e.name, size: e.size, mode: `0${e.mode.toString(8)}`, uid: e.uid, gid: e.gid, owner: user(e.uid), group: group(e.gid), mtime: e.mtime.toISOString() };
}

async function ls(argv: string[]): Promise<number> {
  const { values, names } = parse('ls', argv, { long: { type: 'boolean', short: 'l' }, json: { type: 'boolean' } });
  if (names.length > 0) throw new UsageError(`shm ls: unexpected argument '${names[0]}'`);
  const objects = listObjects();
  const user = idNames('/etc/passwd');
  const group = idNames('/etc/group');
  if (values.json) {
    await writeOut(JSON.stringify(objects.map((e) => jsonInfo(e, user, group)), null, 2) + '\n');
  } else if (values.long) {
    const rows = objects.map((e) => [modeString(e.mode), escapeTerminal(user(e.uid)), escapeTerminal(group(e.gid)), String(e.size), isoMinute(e.mtime), e.name]);
    const widths = [0, 1, 2, 3].map((i) => Math.max(0, ...rows.map((r) => r[i]!.length)));
    for (const r of rows) {
      await writeOut(`${r[0]} ${r[1]!.padEnd(widths[1]!)} ${r[2]!.padEnd(widths[2]!)} ${r[3]!.padStart(widths[3]!)} ${r[4]} ${escapeTerminal(r[5]!)}\n`);
    }
  } else {
    // Object names are anyone's choice: shown inert (\n, \x1b escaped); --json keeps them exact.
    for (const e of objects) await writeOut(escapeTerminal(e.name) + '\n');
  }
  return 0;
}

function isoMinute(d: Date): string {
  return d.toISOString().slice(0, 16).replace('T', ' ');
}

async function create(argv: string[]): Promise<number> {
  const { values, names } = parse('create', argv, { mode: { type: 'string', short: 'm' }, size: { type: 'string', short: 's' }, largepage: { type: 'string', short: 'l' } });
  const mode = typeof values.mode === 'string' ? parseMode(values.mode, 'shm create') : 0o600;
  const size = typeof values.size === 'string' ? parseSize(values.size, 'shm create') : undefined;
  let psind: number | undefined;
  if (typeof values.largepage === 'string') {
    psind = Number(values.largepage);
    const sizes = getPageSizes();
    if (!/^\d+$/.test(values.largepage) || psind < 1 || psind >= sizes.length) {
      throw new UsageError(`shm create: -l takes a page size index from 1 to ${sizes.length - 1} (${sizes.slice(1).map((s, i) => `${i + 1}: ${s / 1024} KiB`).join(', ') || 'no huge pages here'})`);
    }
  }
  needNames('create', names);
  return eachName(names, (name) => {
    // As posixshmcontrol: an existing object is opened, not an error.
    const o = psind === undefined
      ? shmOpen(name, constants.O_RDWR | constants.O_CREAT, mode)
      : shmCreateLargepage(name, constants.O_RDWR, psind, SHM_LARGEPAGE_ALLOC_DEFAULT, mode);
    try {
      if (size !== undefined) o.truncate(size);
    } finally {
      o.close();
    }
  });
}

async function rm(argv: string[]): Promise<number> {
  const { names } = parse('rm', argv, {});
  needNames('rm', names);
  return eachName(names, (name) => shmUnlink(name));
}

async function truncate(argv: string[]): Promise<number> {
  const { values, names } = parse('truncate', argv, { size: { type: 'string', short: 's' } });
  if (typeof values.size !== 'string') throw new UsageError('shm truncate: the size is required (-s size)');
  const size = parseSize(values.size, 'shm truncate');
  needNames('truncate', names);
  return eachName(names, (name) => withObject(name, constants.O_RDWR, (o) => o.truncate(size)));
}

async function stat(argv: string[]): Promise<number> {
  const { values, names } = parse('stat', argv, { json: { type: 'boolean' } });
  needNames('stat', names);
  const user = idNames('/etc/passwd');
  const group = idNames('/etc/group');
  const results: Record<string, unknown>[] = [];
  const status = await eachName(names, async (name) => {
    const s = withObject(name, constants.O_RDONLY, (o) => o.stat());
    if (values.json) {
      results.push({ name, size: s.size, mode: `0${s.mode.toString(8)}`, uid: s.uid, gid: s.gid, owner: user(s.uid), group: group(s.gid),
        ino: s.ino, nlink: s.nlink, atime: s.atime.toISOString(), mtime: s.mtime.toISOString(), ctime: s.ctime.toISOString() });
      return;
    }
    await writeOut([
      `path\t${escapeTerminal(name)}`, `inode\t${s.ino}`, `mode\t${modeString(s.mode)} (0${s.mode.toString(8)})`, `nlink\t${s.nlink}`,
      `owner\t${user(s.uid)}`, `group\t${group(s.gid)}`, `size\t${s.size}`,
      `atime\t${s.atime.toISOString()}`, `mtime\t${s.mtime.toISOString()}`, `ctime\t${s.ctime.toISOString()}`, '',
    ].join('\n'));
  });
  if (values.json) await writeOut(JSON.stringify(results, null, 2) + '\n');
  return status;
}

/** Thrown by the dump's writer when the reader of stdout has gone: the dump stops at once. */
class ClosedOutput extends Error {}

/**
 * Writes straight to fd 1 (synchronously): an EPIPE is seen at the write that hits it, so
 * `perfmem shm dump big | head` stops at once rather than formatting on into a dead pipe.
 * A non-blocking stdout (EAGAIN) is waited on briefly.
 */
function writeStdout(bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) {
    try {
      done += writeSync(1, bytes, done, bytes.length - done);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'EPIPE') throw new ClosedOutput();
      if (code !== 'EAGAIN') throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
}

/** hexdump -C of an object: holes of a sparse object are skipped (SEEK_DATA), never read. */
export function dumpObject(o: ShmObject, out: (bytes: Uint8Array) => void): void {
  // pread into our own buffer, never a mapping: a peer shrinking the object cannot SIGBUS us.
  const chunk = new Uint8Array(1 << 20);
  const dumper = new HexDumper(out, 1 << 18);
  let offset = 0;
  let dataAt: number | undefined = 0;
  for (;;) {
    if (dataAt !== undefined && dataAt <= offset) {
      // Where the next data is; a hole before it reads as zeros and is skipped unread.
      dataAt = seekData(o.fd, offset);
    }
    const holeEnd = dataAt === undefined ? o.size : dataAt;
    const skipTo = Math.floor(holeEnd / 16) * 16;
    if (skipTo - offset >= 64) {
      dumper.zeros(offset, skipTo);
      offset = skipTo;
    }
    const n = o.read(chunk, offset);
    if (n === 0) break;
    // Only whole rows until the end, so that every row starts at a multiple of 16.
    const whole = n % 16 === 0 || offset + n >= o.size ? n : n - (n % 16) || n;
    dumper.push(chunk.subarray(0, whole), offset);
    offset += whole;
  }
  dumper.end(offset);
}

async function dump(argv: string[]): Promise<number> {
  const { names } = parse('dump', argv, {});
  needNames('dump', names, 1);
  return eachName(names, (name) => {
    const o = shmOpen(name, constants.O_RDONLY);
    try {
      dumpObject(o, writeStdout);
    } catch (err) {
      if (err instanceof ClosedOutput) return;
      throw err;
    } finally {
      o.close();
    }
  });
}

const commands: Record<string, (argv: string[]) => Promise<number>> = { ls, list: ls, create, rm, stat, dump, truncate };

export async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    (name === undefined ? process.stderr : process.stdout).write(USAGE + '\n');
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (command === undefined) throw new UsageError(`shm: unknown command '${name}' (try: ls, create, rm, stat, dump, truncate)`);
  try {
    return await command(rest);
  } catch (err) {
    if (err instanceof UsageError && err.exitCode === 0) return 0; // --help
    throw err;
  }
}
