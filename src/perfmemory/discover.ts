/**
 * listProcesses(): every region this user can see, like jps but for Node and JVMs alike. It
 * scans /tmp/hsperfdata_* (every user's directory it can read), perfmem's /dev/shm and
 * $PERFMEM_DIR bases, and the /tmp of every container (`/proc/<pid>/root/tmp` for each mount
 * namespace other than ours), mapping a container's pids to host pids through NSpid. Each file is
 * read with pread (never mapped), and only the few identity counters are decoded.
 */
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { allocatedLength, findEntries, readEntryValue, readHeader, type LongValue } from '../perfdata/index.js';
import { SecureDirectory } from './directory.js';
import { PerfMemoryError } from './errors.js';
import { localBases } from './locate.js';
import { listOrEmpty, pidFromFileName, userDirectory, userDirectoryNames } from './paths.js';
import { bootTimeMs, namespacePids } from './proc.js';
import { judgeStaleness } from './staleness.js';
import { FileSource } from './view.js';
import { KIND_COUNTER, START_TICKS_COUNTER } from './identity-names.js';

export type ProcessKind = 'node' | 'jvm' | 'other';

export interface ProcessInfo {
  /** The pid on this host (for a container, mapped from the pid inside it). */
  pid: number;
  /** The pid the file is named after, when it differs from `pid` (inside a pid namespace). */
  namespacePid?: number;
  /**
   * The user from the directory name hsperfdata_<user>, unless that names a known user (in
   * /etc/passwd) other than the directory's owner: then the owner's name (or uid), so that a
   * directory another user made cannot pass its regions off as, say, root's.
   */
  user: string;
  /** The uid that owns the user directory. */
  uid: number;
  path: string;
  kind: ProcessKind;
  /** sun.rt.javaCommand: a JVM's main class or jar and its arguments; a Node script and its arguments. */
  command: string;
  /** java.rt.vmArgs: a JVM's options; Node's execArgv. */
  vmArgs: string;
  /** java.property.java.vm.name, e.g. "Node.js" or "OpenJDK 64-Bit Server VM". */
  vmName: string;
  /** When the process started (sun.rt.createVmBeginTime, else the file's ctime), ms since the epoch. */
  startTime: number | undefined;
  /**
   * 'alive' when the pid is running and started before the region was made; 'stale' when the
   * process is gone or its pid now belongs to a later process.
   */
  state: 'alive' | 'stale';
  /** Set when the file could not be read (e.g. ERR_PERFDATA_ACCESS for another user's region). */
  error?: string;
  /** Why the region is stale, in one line (the process is gone, or the start-time mismatch of a reused pid). */
  staleReason?: string;
  /**
   * A Node process's loop counters as the listing read them (those present of node.heartbeat,
   * node.sample.period, sun.os.hrt.frequency and node.watchdog.*), so that a tool can tell a
   * blocked loop without reading the region again.
   */
  loopCounters?: Record<string, number>;
  /** The file's device and inode as listed: attachListed() opens exactly this file again. */
  file?: { dev: number; ino: number };
}

export interface ListOptions {
  /** Bases to scan instead of /tmp, /dev/shm and $PERFMEM_DIR. */
  dirs?: string[];
  /** Also scan containers' /tmp through /proc/<pid>/root (default true). */
  containers?: boolean;
}

interface Place {
  base: string;
  /** Maps the pid a file is named after to the host pid; undefined when they are the same. */
  hostPid?: Map<number, number>;
}

/** One place per mount namespace other than ours: its /tmp, and its inner-to-host pid map. */
function containerPlaces(): Place[] {
  let ours: string;
  try {
    ours = readlinkSync('/proc/self/ns/mnt');
  } catch {
    return [];
  }
  const byNamespace = new Map<string, number[]>();
  for (const name of listOrEmpty('/proc')) {
    const pid = pidFromFileName(name);
    if (pid === 0) continue;
    let ns: string;
    try {
      ns = readlinkSync(`/proc/${pid}/ns/mnt`);
    } catch {
      continue; // gone, or not ours to inspect
    }
    if (ns === ours) continue;
    const pids = byNamespace.get(ns);
    if (pids === undefined) byNamespace.set(ns, [pid]);
    else pids.push(pid);
  }
  const places: Place[] = [];
  for (const pids of byNamespace.values()) {
    const root = pids.find((p) => userDirectoryNames(`/proc/${p}/root/tmp`).length > 0);
    if (root === undefined) continue;
    const hostPid = new Map<number, number>();
    for (const pid of pids) {
      const ns = namespacePids(pid);
      const inner = ns[ns.length - 1];
      if (inner !== undefined) hostPid.set(inner, pid);
    }
    places.push({ base: `/proc/${root}/root/tmp`, hostPid });
  }
  return places;
}

interface Identity {
  command: string;
  vmArgs: string;
  vmName: string;
  kind: string;
  createVmBeginTime: number | undefined;
  /** perfmem's exact start time in clock ticks after boot, when the writer published it. */
  startTicks: number | undefined;
  loop: Record<string, number> | undefined;
}

/** The loop counters a listing returns for a Node process (see ProcessInfo.loopCounters). */
export const LOOP_COUNTERS = [
  'node.heartbeat', 'node.sample.period', 'sun.os.hrt.frequency',
  'node.watchdog.heartbeat', 'node.watchdog.period', 'node.watchdog.loopAge', 'node.watchdog.maxLoopAge',
  'node.watchdog.cpu.user', 'node.watchdog.cpu.system', 'node.watchdog.rss',
] as const;

const WANTED: ReadonlySet<string> = new Set([
  'sun.rt.javaCommand', 'java.rt.vmArgs', 'java.property.java.vm.name', 'sun.rt.createVmBeginTime',
  KIND_COUNTER, START_TICKS_COUNTER, ...LOOP_COUNTERS,
]);

/**
 * A listing reads at most this much of a region, and looks at most at this many entries:
 * a JVM's identity counters sit within its first 20 KiB and 260 entries, a Node process's
 * within its first few dozen. A hostile maximum-size file then costs a listing one bounded
 * read and walk, not a full parse.
 */
export const LIST_READ_BYTES = 128 * 1024;
export const LIST_MAX_ENTRIES = 4096;

/** One buffer for every file of a listing. */
let listBuffer: Uint8Array | undefined;

function readIdentity(source: FileSource): Identity {
  const fileSize = source.size();
  const size = Math.min(fileSize, LIST_READ_BYTES);
  listBuffer ??= new Uint8Array(LIST_READ_BYTES);
  const buffer = listBuffer;
  if (source.read(buffer, size, 0) !== size) {
    throw new PerfMemoryError('ERR_PERFDATA_SIZE', `Invalid PerfMemory size: ${source.path} shrank while being read`, source.path);
  }
  const bytes = buffer.subarray(0, allocatedLength(buffer, size));
  const header = readHeader(bytes);
  // Read less than the region holds: an entry running past what was read ends the look.
  const partial = allocatedLength(buffer, fileSize) > bytes.length;
  const found = new Map<string, LongValue | string>();
  for (const [name, e] of findEntries(bytes, WANTED, header, { maxEntries: LIST_MAX_ENTRIES, partial })) {
    found.set(name, readEntryValue(bytes, e, header.byteOrder));
  }
  const str = (name: string): string => {
    const v = found.get(name);
    return typeof v === 'string' ? v : '';
  };
  const num = (name: string): number | undefined => {
    const v = found.get(name);
    return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined;
  };
  const begin = num('sun.rt.createVmBeginTime');
  const ticks = num(START_TICKS_COUNTER);
  let loop: Record<string, number> | undefined;
  for (const name of LOOP_COUNTERS) {
    const v = num(name);
    if (v !== undefined) (loop ??= {})[name] = v;
  }
  return {
    command: str('sun.rt.javaCommand'),
    vmArgs: str('java.rt.vmArgs'),
    vmName: str('java.property.java.vm.name'),
    kind: str(KIND_COUNTER),
    createVmBeginTime: begin !== undefined && begin > 0 ? begin : undefined,
    startTicks: ticks !== undefined && ticks > 0 ? ticks : undefined,
    loop,
  };
}

function kindOf(id: Identity): ProcessKind {
  if (id.kind === 'node' || id.vmName === 'Node.js') return 'node';
  if (id.vmName !== '' || id.command !== '') return 'jvm';
  return 'other';
}

/** Every region visible to this user, sorted by pid. */
export function listProcesses(options: ListOptions = {}): ProcessInfo[] {
  const places: Place[] = (options.dirs ?? localBases()).map((base) => ({ base }));
  if (options.containers !== false) places.push(...containerPlaces());
  const boot = bootTimeMs();
  const seen = new Set<string>();
  const passwd = passwdUids();
  const out: ProcessInfo[] = [];
  for (const place of places) {
    for (const user of userDirectoryNames(place.base)) {
      const dirPath = userDirectory(place.base, user);
      let dir: SecureDirectory;
      try {
        // Listing spans every user: a safe directory is a real one nobody else can write into.
        dir = SecureDirectory.open(dirPath, 'any');
      } catch {
        continue;
      }
      try {
        const owner = ownerName(user, dir.uid, passwd);
        for (const name of dir.names()) {
          const filePid = pidFromFileName(name);
          if (filePid === 0) continue;
          const info = describe(dir, name, filePid, owner, place, boot, seen);
          if (info !== undefined) out.push(info);
        }
      } finally {
        dir.close();
      }
    }
  }
  return out.sort((a, b) => a.pid - b.pid);
}

/** Login names to uids from /etc/passwd (empty when unreadable). */
function passwdUids(): Map<string, number> {
  const uids = new Map<string, number>();
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , uid] = line.split(':');
      if (name !== undefined && name !== '' && uid !== undefined && /^\d+$/.test(uid) && !uids.has(name)) uids.set(name, Number(uid));
    }
  } catch {
    // no passwd to check against: directory names stand
  }
  return uids;
}

/** The user a directory's regions are shown under (see ProcessInfo.user). */
function ownerName(claimed: string, uid: number, passwd: Map<string, number>): string {
  const known = passwd.get(claimed);
  if (known === undefined || known === uid) return claimed;
  for (const [name, id] of passwd) if (id === uid) return name;
  return String(uid);
}

function describe(dir: SecureDirectory, name: string, filePid: number, user: string, place: Place,
  boot: number, seen: Set<string>): ProcessInfo | undefined {
  const mapped = place.hostPid === undefined ? filePid : place.hostPid.get(filePid);
  const pid = mapped ?? filePid;
  const path = dir.display(name);
  let id: Identity = { command: '', vmArgs: '', vmName: '', kind: '', createVmBeginTime: undefined, startTicks: undefined, loop: undefined };
  let error: string | undefined;
  let ctimeMs: number;
  let file: { dev: number; ino: number } | undefined;
  let source: FileSource | undefined;
  try {
    // O_NOFOLLOW and checks on the open descriptor: a link or a swapped file never gets read.
    source = FileSource.open(dir.at(name), path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    // Not a region (a symlink, a FIFO, a directory, a hard link, an empty file) or gone: not listed.
    if (code !== 'ERR_PERFDATA_ACCESS' && code !== 'ERR_PERFDATA_SIZE') return undefined;
    const st = lstatSync(dir.at(name), { throwIfNoEntry: false });
    if (st === undefined || !st.isFile() || st.size === 0) return undefined;
    if (!noteSeen(seen, st.dev, st.ino)) return undefined;
    error = code;
    ctimeMs = st.ctimeMs;
  }
  if (source !== undefined) {
    try {
      const f = source.file;
      if (!noteSeen(seen, f.dev, f.ino)) return undefined; // the same file reached through two roots
      file = { dev: f.dev, ino: f.ino };
      ctimeMs = f.ctimeMs;
      id = readIdentity(source);
    } catch (err) {
      error = (err as { code?: string }).code ?? 'ERR_PERFDATA_CORRUPT';
    } finally {
      source.close();
    }
  }
  const startTime = id.createVmBeginTime ?? ctimeMs!;
  let state: 'alive' | 'stale' = 'stale';
  let staleReason: string | undefined = `no process ${pid} on this host`;
  if (mapped !== undefined) {
    const judged = judgeStaleness(pid, { startTicks: id.startTicks, startTimeMs: startTime }, boot);
    state = judged.state === 'stale' ? 'stale' : 'alive';
    staleReason = judged.reason;
  }
  const info: ProcessInfo = {
    pid, user, uid: dir.uid, path, kind: kindOf(id), command: id.command, vmArgs: id.vmArgs, vmName: id.vmName,
    startTime: Math.round(startTime), state,
  };
  // Inside a container: the inner pid, also when no host pid could be found for it (then pid is the inner one).
  if (pid !== filePid || (place.hostPid !== undefined && mapped === undefined)) info.namespacePid = filePid;
  if (error !== undefined) info.error = error;
  if (state === 'stale' && staleReason !== undefined) info.staleReason = staleReason;
  if (id.loop !== undefined && info.kind === 'node') info.loopCounters = id.loop;
  if (file !== undefined) info.file = file;
  return info;
}

function noteSeen(seen: Set<string>, dev: number, ino: number): boolean {
  const key = `${dev}:${ino}`;
  if (seen.has(key)) return false;
  seen.add(key);
  return true;
}
