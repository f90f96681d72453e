/**
 * listProcesses(): every region this user can see, like jps but for Node and JVMs alike. It
 * scans /tmp/hsperfdata_* (every user's directory it can read), perfmem's /dev/shm and
 * $PERFMEM_DIR bases, and the /tmp of every container (`/proc/<pid>/root/tmp` for each mount
 * namespace other than ours), mapping a container's pids to host pids through NSpid. Each file is
 * read with pread (never mapped), and only the few identity counters are decoded.
 */
import { constants, lstatSync, readlinkSync } from 'node:fs';
import { locateEntries, readEntryValue, readHeader, type LongValue } from '../perfdata/index.js';
import { SecureDirectory } from './directory.js';
import { PerfMemoryError } from './errors.js';
import { localBases } from './locate.js';
import { listOrEmpty, pidFromFileName, userDirectory, userDirectoryNames } from './paths.js';
import { bootTimeMs, liveness, namespacePids, startTicks, startTimeMs } from './proc.js';
import { FileSource } from './view.js';
import { KIND_COUNTER, START_TICKS_COUNTER } from './identity.js';

export type ProcessKind = 'node' | 'jvm' | 'other';

export interface ProcessInfo {
  /** The pid on this host (for a container, mapped from the pid inside it). */
  pid: number;
  /** The pid the file is named after, when it differs from `pid` (inside a pid namespace). */
  namespacePid?: number;
  /** The user from the directory name hsperfdata_<user>. */
  user: string;
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
}

export interface ListOptions {
  /** Bases to scan instead of /tmp, /dev/shm and $PERFMEM_DIR. */
  dirs?: string[];
  /** Also scan containers' /tmp through /proc/<pid>/root (default true). */
  containers?: boolean;
}

/** Slack for comparing a start time from /proc with one from the wall clock. */
const START_SLACK_MS = 1000;

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
}

const WANTED = new Set(['sun.rt.javaCommand', 'java.rt.vmArgs', 'java.property.java.vm.name', 'sun.rt.createVmBeginTime', KIND_COUNTER, START_TICKS_COUNTER]);

function readIdentity(source: FileSource): Identity {
  const size = source.size();
  const bytes = new Uint8Array(size);
  if (source.read(bytes, size, 0) !== size) {
    throw new PerfMemoryError('ERR_PERFDATA_SIZE', `Invalid PerfMemory size: ${source.path} shrank while being read`, source.path);
  }
  const header = readHeader(bytes);
  const found = new Map<string, LongValue | string>();
  for (const e of locateEntries(bytes, header)) {
    if (WANTED.has(e.name)) found.set(e.name, readEntryValue(bytes, e, header.byteOrder));
  }
  const str = (name: string): string => {
    const v = found.get(name);
    return typeof v === 'string' ? v : '';
  };
  const begin = found.get('sun.rt.createVmBeginTime');
  const ticks = found.get(START_TICKS_COUNTER);
  return {
    command: str('sun.rt.javaCommand'),
    vmArgs: str('java.rt.vmArgs'),
    vmName: str('java.property.java.vm.name'),
    kind: str(KIND_COUNTER),
    createVmBeginTime: typeof begin === 'number' && begin > 0 ? begin : undefined,
    startTicks: typeof ticks === 'number' && ticks > 0 ? ticks : undefined,
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
  const out: ProcessInfo[] = [];
  for (const place of places) {
    for (const user of userDirectoryNames(place.base)) {
      const dirPath = userDirectory(place.base, user);
      let dir: SecureDirectory;
      try {
        // Listing spans every user: a safe directory is a real one nobody else can write into.
        dir = SecureDirectory.open(dirPath, 0);
      } catch {
        continue;
      }
      try {
        for (const name of dir.names()) {
          const filePid = pidFromFileName(name);
          if (filePid === 0) continue;
          const info = describe(dir, name, filePid, user, place, boot, seen);
          if (info !== undefined) out.push(info);
        }
      } finally {
        dir.close();
      }
    }
  }
  return out.sort((a, b) => a.pid - b.pid);
}

function describe(dir: SecureDirectory, name: string, filePid: number, user: string, place: Place,
  boot: number, seen: Set<string>): ProcessInfo | undefined {
  const st = lstatSync(dir.at(name), { throwIfNoEntry: false });
  if (st === undefined || (st.mode & constants.S_IFMT) !== constants.S_IFREG || st.size === 0) return undefined;
  const key = `${st.dev}:${st.ino}`;
  if (seen.has(key)) return undefined; // the same file reached through two roots
  seen.add(key);
  const mapped = place.hostPid === undefined ? filePid : place.hostPid.get(filePid);
  const pid = mapped ?? filePid;
  const path = dir.display(name);
  let id: Identity = { command: '', vmArgs: '', vmName: '', kind: '', createVmBeginTime: undefined, startTicks: undefined };
  let error: string | undefined;
  try {
    const source = FileSource.open(dir.at(name), path);
    try {
      id = readIdentity(source);
    } finally {
      source.close();
    }
  } catch (err) {
    error = (err as { code?: string }).code ?? 'ERR_PERFDATA_CORRUPT';
  }
  const startTime = id.createVmBeginTime ?? st.ctimeMs;
  let state: 'alive' | 'stale' = 'stale';
  if (mapped !== undefined && liveness(pid) !== 'gone') {
    if (id.startTicks !== undefined) {
      // perfmem's own regions carry the writer's start in ticks after boot: an exact match.
      state = startTicks(pid) === id.startTicks ? 'alive' : 'stale';
    } else {
      // A process that started after the region was made is a later owner of a reused pid.
      const started = startTimeMs(pid, boot);
      state = started !== undefined && started > startTime + START_SLACK_MS ? 'stale' : 'alive';
    }
  }
  const info: ProcessInfo = {
    pid, user, path, kind: kindOf(id), command: id.command, vmArgs: id.vmArgs, vmName: id.vmName,
    startTime: Math.round(startTime), state,
  };
  // Inside a container: the inner pid, also when no host pid could be found for it (then pid is the inner one).
  if (pid !== filePid || (place.hostPid !== undefined && mapped === undefined)) info.namespacePid = filePid;
  if (error !== undefined) info.error = error;
  return info;
}
