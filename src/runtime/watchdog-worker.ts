/**
 * The watchdog thread's body (see watchdog.ts). Maps the region file read-write, attaches to
 * its counters and the main thread's heartbeat by name (perfdata's entry locator and
 * attachLongCounter: 64-bit stores a reader never sees torn), then every period publishes
 * CPU time, RSS and the main loop's heartbeat age.
 */
import { openSync, closeSync, fstatSync, constants } from 'node:fs';
import { workerData } from 'node:worker_threads';
import { mapFd } from '../shm/index.js';
import { attachLongCounter, locateEntries, readHeader, HOST_LITTLE_ENDIAN, type LongCounter } from '../perfdata/index.js';
import type { WatchdogData } from './watchdog.js';

const data = workerData as WatchdogData;

function mapRegion(): ArrayBuffer {
  const fd = openSync(data.path, constants.O_RDWR | constants.O_NOFOLLOW);
  try {
    return mapFd(fd, { length: fstatSync(fd).size, access: 'readwrite', path: data.path }).buffer;
  } finally {
    closeSync(fd); // the mapping stays valid without the descriptor
  }
}

const buffer = mapRegion();
const header = readHeader(buffer);
if (header.byteOrder !== (HOST_LITTLE_ENDIAN ? 'little' : 'big')) {
  throw new Error(`perfmem watchdog: region ${data.path} is not in this host's byte order`);
}
const entries = new Map(locateEntries(buffer, header).map((e) => [e.name, e] as const));
const counter = (name: string): LongCounter => {
  const e = entries.get(name);
  if (e === undefined) throw new Error(`perfmem watchdog: counter ${name} is missing from ${data.path}`);
  return attachLongCounter(buffer, e);
};
const c = data.counters;
const mainHeartbeat = counter(data.mainHeartbeat);
const heartbeat = counter(c.heartbeat), loopAge = counter(c.loopAge), maxLoopAge = counter(c.maxLoopAge);
const cpuUser = counter(c.cpuUser), cpuSystem = counter(c.cpuSystem), rss = counter(c.rss);
let maxAge = 0n;

function publish(): void {
  const now = process.hrtime.bigint();
  const beat = BigInt(mainHeartbeat.get());
  const age = beat > 0n && now > beat ? now - beat : 0n;
  if (age > maxAge) maxAge = age;
  // CPU and RSS are the whole process's, whichever thread asks.
  const cpu = process.cpuUsage();
  cpuUser.set(cpu.user * 1000);
  cpuSystem.set(cpu.system * 1000);
  rss.set(process.memoryUsage.rss());
  loopAge.set(age);
  maxLoopAge.set(maxAge);
  heartbeat.set(now);
}

publish();
setInterval(publish, data.periodMs);
