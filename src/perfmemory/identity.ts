/**
 * The counters every region carries so that the JDK's tools recognise the process: `jps -l -m -v`
 * prints `<pid> <sun.rt.javaCommand> <java.rt.vmArgs>`, so a Node process shows as
 * `<pid> <script> <args> <execArgv>`. Units, variability and the Supported flag are HotSpot's
 * for the same names (checked with `jstat -snap -v` on JDK 17).
 *
 * Never sun.rt.jvmCapabilities: with it, jcmd believes it may use the attach mechanism and sends
 * SIGQUIT, whose default action kills Node.
 */
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import type { Units, Variability } from '../perfdata/index.js';
import { startTicks } from './proc.js';
import { HRT_FREQUENCY, KIND_COUNTER, START_TICKS_COUNTER, VERSION_COUNTER } from './identity-names.js';

export { HRT_FREQUENCY, KIND_COUNTER, START_TICKS_COUNTER, VERSION_COUNTER };

/** hrtime at the moment this process started, so that ticks count from process start as in HotSpot. */
const origin = process.hrtime.bigint() - BigInt(Math.round(performance.now() * 1e6));

/** Nanoseconds since this process started: the clock of mod_time_stamp and sun.os.hrt.ticks. */
export function elapsedTicks(): bigint {
  return process.hrtime.bigint() - origin;
}

export interface IdentityCounter {
  name: string;
  kind: 'long' | 'string';
  value: string | number;
  units: Units;
  variability: Variability;
  supported: boolean;
}

/** `<script> <args>` as a JVM's main class and arguments; `node` when there is no script (-e, REPL). */
export function javaCommand(argv: readonly string[] = process.argv): string {
  const rest = argv.slice(1);
  return rest.length === 0 ? 'node' : rest.join(' ');
}

/** perfmem's version, written into the bundles by scripts/bundle.mjs (reading package.json costs about 1 ms of start-up). */
declare const __PERFMEM_VERSION__: string | undefined;

let version: string | undefined;
function packageVersion(): string {
  if (version === undefined) {
    try {
      version = typeof __PERFMEM_VERSION__ === 'string'
        ? __PERFMEM_VERSION__
        : (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;
    } catch {
      version = 'unknown';
    }
  }
  return version;
}

/**
 * Milliseconds since the epoch at which this process started, by its own clock as HotSpot
 * measures it: Node's time origin. (From /proc it would take a read of /proc/stat for the boot
 * time at every start; a reader tells a reused pid by perfmem.proc.starttime, exactly.)
 */
export function processStartTime(): number {
  return Math.round(performance.timeOrigin);
}

export function identityCounters(): IdentityCounter[] {
  const s = (name: string, value: string, supported: boolean): IdentityCounter =>
    ({ name, kind: 'string', value, units: 'string', variability: 'constant', supported });
  return [
    s('sun.rt.javaCommand', javaCommand(), false),
    s('java.rt.vmArgs', process.execArgv.join(' '), true),
    // Flags that came from the environment, as the JVM's come from JDK_JAVA_OPTIONS and .hotspotrc.
    s('java.rt.vmFlags', process.env.NODE_OPTIONS ?? '', true),
    s('java.property.java.vm.name', 'Node.js', true),
    s('java.property.java.vm.version', process.versions.node, true),
    s('java.property.java.vm.vendor', 'OpenJS Foundation', true),
    { name: 'sun.os.hrt.frequency', kind: 'long', value: HRT_FREQUENCY, units: 'hertz', variability: 'constant', supported: false },
    { name: 'sun.rt.createVmBeginTime', kind: 'long', value: processStartTime(), units: 'none', variability: 'variable', supported: false },
    s(KIND_COUNTER, 'node', false),
    { name: START_TICKS_COUNTER, kind: 'long', value: startTicks(process.pid) ?? 0, units: 'none', variability: 'constant', supported: false },
    s(VERSION_COUNTER, packageVersion(), false),
  ];
}
