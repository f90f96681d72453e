/**
 * The JVM's stat options: the same columns, expressions, widths, scales and patterns as the
 * JDK's jstat (its jstat_options resource), restated with perfmem's column builders. A
 * column's counters are the HotSpot names; a counter the JVM lacks prints "-".
 */
import { type Column, type Expr, type StatOption, K, SEC, add, column, div, lit, mul, sub, sum } from './columns.js';

const FREQ = 'sun.os.hrt.frequency';
const gen = (g: number) => `sun.gc.generation.${g}`;
const space = (g: number, s: number) => `${gen(g)}.space.${s}`;
const collector = (n: number) => `sun.gc.collector.${n}`;
const META = 'sun.gc.metaspace';
const CCS = 'sun.gc.compressedclassspace';

const EDEN = space(0, 0);
const S0 = space(0, 1);
const S1 = space(0, 2);
const OLD = space(1, 0);

const col = column;

/** A size in KiB with one decimal. */
const kib = (header: string, counter: string, width: number, description: string) =>
  col(header, counter, description, { width, scale: K, format: '0.0' });

/** An event count. */
const count = (header: string, counter: string, width: number, description: string) =>
  col(header, counter, description, { width });

/** A tick counter in seconds. */
const seconds = (header: string, ticks: Expr | string, description: string, width = 9, format = '0.000') =>
  col(header, div(ticks, FREQ), description, { width, scale: SEC, format });

/** Percent of a space in use, written as jstat computes it: (1 - (capacity - used) / capacity) * 100. */
const percentUsed = (header: string, prefix: string, description: string) =>
  col(header, mul(sub(lit(1), div(sub(`${prefix}.capacity`, `${prefix}.used`), `${prefix}.capacity`)), lit(100)),
    description, { width: 6, format: '0.00' });

const S0C = kib('S0C', `${S0}.capacity`, 11, 'survivor 0 capacity (KiB)');
const S1C = kib('S1C', `${S1}.capacity`, 11, 'survivor 1 capacity (KiB)');
const S0U = kib('S0U', `${S0}.used`, 11, 'survivor 0 used (KiB)');
const S1U = kib('S1U', `${S1}.used`, 11, 'survivor 1 used (KiB)');
const EC = kib('EC', `${EDEN}.capacity`, 12, 'eden capacity (KiB)');
const EU = kib('EU', `${EDEN}.used`, 12, 'eden used (KiB)');
const OC = kib('OC', `${OLD}.capacity`, 12, 'old space capacity (KiB)');
const OU = kib('OU', `${OLD}.used`, 12, 'old space used (KiB)');
const MC = kib('MC', `${META}.capacity`, 10, 'metaspace capacity (KiB)');
const MU = kib('MU', `${META}.used`, 10, 'metaspace used (KiB)');
const MCMN = kib('MCMN', `${META}.minCapacity`, 10, 'metaspace minimum capacity (KiB)');
const MCMX = kib('MCMX', `${META}.maxCapacity`, 10, 'metaspace maximum capacity (KiB)');
const CCSC = kib('CCSC', `${CCS}.capacity`, 9, 'compressed class space capacity (KiB)');
const CCSU = kib('CCSU', `${CCS}.used`, 9, 'compressed class space used (KiB)');
const CCSMN = kib('CCSMN', `${CCS}.minCapacity`, 9, 'compressed class space minimum capacity (KiB)');
const CCSMX = kib('CCSMX', `${CCS}.maxCapacity`, 9, 'compressed class space maximum capacity (KiB)');
const NGCMN = kib('NGCMN', `${gen(0)}.minCapacity`, 12, 'new generation minimum capacity (KiB)');
const NGCMX = kib('NGCMX', `${gen(0)}.maxCapacity`, 12, 'new generation maximum capacity (KiB)');
const NGC = kib('NGC', `${gen(0)}.capacity`, 12, 'new generation capacity (KiB)');
const OGCMN = kib('OGCMN', `${gen(1)}.minCapacity`, 12, 'old generation minimum capacity (KiB)');
const OGCMX = kib('OGCMX', `${gen(1)}.maxCapacity`, 12, 'old generation maximum capacity (KiB)');
const OGC = kib('OGC', `${gen(1)}.capacity`, 12, 'old generation capacity (KiB)');

const YGC = count('YGC', `${collector(0)}.invocations`, 6, 'young collections');
const FGC = count('FGC', `${collector(1)}.invocations`, 5, 'full collections');
const CGC = count('CGC', `${collector(2)}.invocations`, 5, 'concurrent collections (stop-the-world phases)');
const YGCT = seconds('YGCT', `${collector(0)}.time`, 'young collection time (s)');
const FGCT = seconds('FGCT', `${collector(1)}.time`, 'full collection time (s)');
const CGCT = seconds('CGCT', `${collector(2)}.time`, 'concurrent collection time (s)');
const GCT = col('GCT', div(sum(`${collector(0)}.time`, `${collector(1)}.time`, `${collector(2)}.time`), FREQ),
  'total collection time (s)', { width: 9, scale: SEC, format: '0.000', required: true });

const S0P = percentUsed('S0', S0, 'survivor 0 used (% of capacity)');
const S1P = percentUsed('S1', S1, 'survivor 1 used (% of capacity)');
const EP = percentUsed('E', EDEN, 'eden used (% of capacity)');
const OP = percentUsed('O', OLD, 'old space used (% of capacity)');
const MP = percentUsed('M', META, 'metaspace used (% of capacity)');
const CCSP = percentUsed('CCS', CCS, 'compressed class space used (% of capacity)');

/** The first column of every option under -t: seconds since the JVM started. */
export const timestampColumn: Column = col('Timestamp', div('sun.os.hrt.ticks', FREQ),
  'seconds since the process started', { width: 15, scale: SEC, format: '0.0', headerAlign: 'left' });

export const jvmOptions: StatOption[] = [
  {
    name: 'class', summary: 'class loader statistics',
    columns: [
      col('Loaded', add('java.cls.loadedClasses', 'java.cls.sharedLoadedClasses'), 'classes loaded', { width: 5 }),
      col('Bytes', add('sun.cls.loadedBytes', 'sun.cls.sharedLoadedBytes'), 'KiB loaded', { width: 7, scale: K, format: '0.0' }),
      col('Unloaded', add('java.cls.unloadedClasses', 'java.cls.sharedUnloadedClasses'), 'classes unloaded', { width: 5 }),
      col('Bytes', add('sun.cls.unloadedBytes', 'sun.cls.sharedUnloadedBytes'), 'KiB unloaded', { width: 7, scale: K, format: '0.0' }),
      col('Time', div('sun.cls.time', FREQ), 'time spent loading classes (s)', { width: 10, format: '0.00' }),
    ],
  },
  {
    name: 'compiler', summary: 'JIT compiler statistics',
    columns: [
      count('Compiled', 'sun.ci.totalCompiles', 6, 'compilation tasks performed'),
      count('Failed', 'sun.ci.totalBailouts', 6, 'compilation tasks failed'),
      count('Invalid', 'sun.ci.totalInvalidates', 6, 'compilation tasks invalidated'),
      seconds('Time', 'java.ci.totalTime', 'time spent compiling (s)', 8, '0.00'),
      col('FailedType', 'sun.ci.lastFailedType', 'type of the last failed compilation', { width: 4 }),
      col('FailedMethod', 'sun.ci.lastFailedMethod', 'class and method of the last failed compilation',
        { width: 1, align: 'left', headerAlign: 'left' }),
    ],
  },
  {
    name: 'gc', summary: 'garbage-collected heap statistics',
    columns: [S0C, S1C, S0U, S1U, EC, EU, OC, OU, MC, MU, CCSC, CCSU, YGC, YGCT, FGC, FGCT, CGC, CGCT, GCT],
  },
  {
    name: 'gccapacity', summary: 'capacities of the generations and their spaces',
    columns: [NGCMN, NGCMX, NGC, S0C, { ...S1C, headerAlign: 'left' }, EC, OGCMN, OGCMX, OGC, OC,
      MCMN, MCMX, MC, CCSMN, CCSMX, CCSC, YGC, FGC, CGC],
  },
  {
    name: 'gcutil', summary: 'summary of garbage collection statistics',
    columns: [S0P, S1P, EP, OP, MP, CCSP, YGC, YGCT, FGC, FGCT, CGC, CGCT, GCT],
  },
  {
    name: 'gccause', summary: 'as -gcutil, with the cause of the last and current collection',
    columns: [S0P, S1P, EP, OP, MP, CCSP, YGC, YGCT, FGC, FGCT, CGC, CGCT, GCT,
      col('LGCC', 'sun.gc.lastCause', 'cause of the last collection', { width: 20, align: 'left', headerAlign: 'left' }),
      col('GCC', 'sun.gc.cause', 'cause of the current collection', { width: 20, align: 'left', headerAlign: 'left' })],
  },
  {
    name: 'gcnew', summary: 'new generation statistics',
    columns: [S0C, S1C, S0U, S1U,
      count('TT', 'sun.gc.policy.tenuringThreshold', 2, 'tenuring threshold'),
      count('MTT', 'sun.gc.policy.maxTenuringThreshold', 2, 'maximum tenuring threshold'),
      kib('DSS', 'sun.gc.policy.desiredSurvivorSize', 11, 'desired survivor size (KiB)'),
      EC, EU, YGC, YGCT],
  },
  {
    name: 'gcnewcapacity', summary: 'new generation sizes',
    columns: [NGCMN, NGCMX, NGC,
      kib('S0CMX', `${S0}.maxCapacity`, 11, 'survivor 0 maximum capacity (KiB)'), S0C,
      kib('S1CMX', `${S1}.maxCapacity`, 11, 'survivor 1 maximum capacity (KiB)'), S1C,
      kib('ECMX', `${EDEN}.maxCapacity`, 12, 'eden maximum capacity (KiB)'), EC, YGC, FGC, CGC],
  },
  {
    name: 'gcold', summary: 'old generation and metaspace statistics',
    columns: [MC, MU, CCSC, CCSU, OC, OU, YGC, FGC, FGCT, CGC, CGCT, GCT],
  },
  {
    name: 'gcoldcapacity', summary: 'old generation sizes',
    columns: [OGCMN, OGCMX, OGC, OC, YGC, FGC, FGCT, CGC, CGCT, GCT],
  },
  {
    name: 'gcmetacapacity', summary: 'metaspace sizes',
    columns: [MCMN, MCMX, MC, CCSMN, CCSMX, CCSC, YGC, FGC, FGCT, CGC, CGCT, GCT],
  },
  {
    name: 'printcompilation', summary: 'the last JIT compilation',
    columns: [
      count('Compiled', 'sun.ci.totalCompiles', 6, 'compilation tasks performed'),
      count('Size', 'sun.ci.lastSize', 6, 'bytecode size of the last compilation'),
      count('Type', 'sun.ci.lastType', 4, 'type of the last compilation'),
      col('Method', 'sun.ci.lastMethod', 'class and method of the last compilation', { width: 1, align: 'left', headerAlign: 'left' }),
    ],
  },
];
