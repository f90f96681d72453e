/**
 * Who this process is: constants written once. The JDK identity counters (sun.rt.javaCommand
 * and friends) belong to the region itself; these are the Node-specific ones under node.*.
 */
import { performance } from 'node:perf_hooks';
import { constantLong, constantString, type Collector, type CounterRegistry } from '../counters.js';

/** Long enough for typical command lines; longer ones are truncated (by the writer) like the JDK's. */
const ARGV_MAX = 1024;

export function identityCollector(r: CounterRegistry): Collector {
  constantLong(r, 'node.pid', process.pid);
  constantLong(r, 'node.ppid', process.ppid);
  constantString(r, 'node.argv', process.argv.join(' '), ARGV_MAX);
  constantString(r, 'node.execArgv', process.execArgv.join(' '), ARGV_MAX);
  constantString(r, 'node.version', process.version);
  constantString(r, 'node.v8Version', process.versions.v8);
  constantString(r, 'node.uvVersion', process.versions.uv ?? '');
  constantString(r, 'node.platform', `${process.platform}-${process.arch}`);
  // performance.timeOrigin is when this process started, in ms since the epoch.
  constantLong(r, 'node.startTime', Math.round(performance.timeOrigin));
  return { close() {} };
}
