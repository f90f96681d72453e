/**
 * attach(pid) and attachFile(path): read-only views of another process's region or of a saved
 * file. Only read access exists (HotSpot's PERF_MODE_RW was never implemented either). The
 * search and the readers are in attach-process.ts; this module adds this process's own region.
 */
import { attachProcess, checkAttachArguments, type AttachOptions } from './attach-process.js';
import { MemorySource, RegionView } from './view.js';
import { currentRegion } from './region.js';

export { attachFile, attachListed, attachProcess, forgetLocatedRegions } from './attach-process.js';
export type { AttachOptions } from './attach-process.js';

/**
 * A read-only view of process `pid`'s region. Attaching to this process's own pid gives a view
 * of its own region (created with createRegion()).
 */
export function attach(pid: number, options: AttachOptions = {}): RegionView {
  checkAttachArguments(pid, options);
  if (pid === process.pid) {
    const own = currentRegion();
    if (own !== undefined) return new RegionView(new MemorySource(() => own.bytes()), pid, own.path ?? `(private region of ${pid})`);
  }
  return attachProcess(pid, options);
}
