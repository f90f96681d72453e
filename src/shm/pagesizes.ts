/**
 * Page sizes and hugetlb memory: what getpagesizes(3) reports on FreeBSD, read on Linux from
 * /sys/kernel/mm/hugepages, and which descriptors sit on hugetlbfs.
 */
import { readdirSync, readFileSync, statfsSync, fstatSync } from 'node:fs';
import { pageSize } from '../sys/index.js';

const HUGETLBFS_MAGIC = 0x958458f6;

/**
 * The page sizes this machine offers, in bytes: the base page first, then every huge page
 * size the kernel supports, ascending. An index into this array is a `psind`.
 */
export function getPageSizes(): number[] {
  const huge: number[] = [];
  try {
    for (const entry of readdirSync('/sys/kernel/mm/hugepages')) {
      const m = /^hugepages-(\d+)kB$/.exec(entry);
      if (m) huge.push(Number(m[1]) * 1024);
    }
  } catch {
    // No hugetlb support in this kernel: only the base page.
  }
  return [pageSize, ...huge.sort((a, b) => a - b)];
}

/**
 * The huge page size backing `fd`, or 0 when it is not on hugetlbfs (memfd MFD_HUGETLB
 * included). `blksize` is the descriptor's fstat st_blksize when the caller has it already.
 */
export function hugePageSizeOf(fd: number, blksize = fstatSync(fd).blksize): number {
  // hugetlbfs reports its page size as st_blksize; tmpfs and disk filesystems the base page
  // (or a transfer size), so only a large blksize needs the statfs to tell which it is.
  if (blksize <= pageSize) return 0;
  // statfs follows the /proc magic link to the descriptor's own filesystem, anonymous ones too.
  return statfsSync(`/proc/self/fd/${fd}`).type === HUGETLBFS_MAGIC ? blksize : 0;
}

/** A mounted hugetlbfs directory and the page size it hands out. */
export interface HugetlbfsMount {
  dir: string;
  pageSize: number;
}

/** hugetlbfs mounts from /proc/self/mounts (the default page size where no pagesize= is given). */
export function hugetlbfsMounts(): HugetlbfsMount[] {
  let text: string;
  try {
    text = readFileSync('/proc/self/mounts', 'utf8');
  } catch {
    return [];
  }
  const mounts: HugetlbfsMount[] = [];
  for (const line of text.split('\n')) {
    const [, dir, type, options] = line.split(' ');
    if (type !== 'hugetlbfs' || dir === undefined) continue;
    const m = /(?:^|,)pagesize=(\d+)([KMG]?)/i.exec(options ?? '');
    const size = m ? Number(m[1]) * unitOf(m[2] ?? '') : defaultHugePageSize();
    // /proc/mounts escapes spaces and the like as octal: \040.
    mounts.push({ dir: dir.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))), pageSize: size });
  }
  return mounts;
}

function unitOf(suffix: string): number {
  switch (suffix.toUpperCase()) {
    case 'K': return 1024;
    case 'M': return 1024 ** 2;
    case 'G': return 1024 ** 3;
    default: return 1;
  }
}

/** The kernel's default huge page size (Hugepagesize in /proc/meminfo), 0 without hugetlb. */
export function defaultHugePageSize(): number {
  try {
    const m = /^Hugepagesize:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
