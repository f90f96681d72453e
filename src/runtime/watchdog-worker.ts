/**
 * The watchdog thread's body (see watchdog.ts). Opens this process's region from its own thread
 * (perfmemory's openRegionCounters: the region's creation descriptor mapped read-write, never
 * its path; counters found by name), then
 * every period publishes CPU time, RSS and the main loop's heartbeat age.
 */
import { workerData } from 'node:worker_threads';
import { openRegionCounters } from '../perfmemory/index.js';
import type { WatchdogData } from './watchdog.js';

const data = workerData as WatchdogData;
const region = openRegionCounters(data.region);
const counter = (name: string) => region.long(name);
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
