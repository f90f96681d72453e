/**
 * The bounds every reader applies, whatever a region claims. A region is untrusted input:
 * any local user can put a file where readers look, so a reader's time and memory must be
 * bounded by what real regions need, never by the numbers in the file.
 *
 * - MAX_REGION_SIZE: the largest region perfmem writes (and so reads). HotSpot's
 *   PerfDataMemorySize allows at most 2 MiB; perfmem allows 4x that, 8 MiB, for app metrics
 *   (about 100,000 labelled series of 80 bytes: far beyond what one process should export),
 *   while 20 such files cost a reader only a few tens of milliseconds and MBs.
 * - MAX_ENTRIES: writers (HotSpot's and perfmem's) align entries to 8 bytes, and the smallest
 *   entry they make is 24 bytes (20-byte header, a 1-byte name, its NUL, a 1-byte string), so
 *   a region of the maximum size holds at most MAX_REGION_SIZE / 24 entries.
 * - MAX_NAME_BYTES: HotSpot's names are under 100 bytes; perfmem's writer refuses longer than this.
 * - MAX_STRING_BYTES: HotSpot caps string constants at 1 KiB (PerfMaxStringConstLength) and
 *   its longest variable strings are a few KiB; perfmem's writer refuses longer than this.
 */
export const MAX_REGION_SIZE = 8 * 1024 * 1024;
export const MAX_ENTRIES = Math.floor(MAX_REGION_SIZE / 24);
export const MAX_NAME_BYTES = 4096;
export const MAX_STRING_BYTES = 1024 * 1024;
