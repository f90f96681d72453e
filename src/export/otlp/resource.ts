/**
 * A process's OTLP resource: who it is (service, instance, pid, runtime, host), from its
 * identity. Strings come from the process's region and are untrusted: each is cut to a
 * bounded length (the collector and its backends have limits of their own).
 */
import { createHash } from 'node:crypto';
import type { ProcessIdentity } from '../../monitor/types.js';
import type { Attributes, AttributeValue } from './model.js';
import { RESOURCE } from './semconv.js';

export interface ResourceOptions {
  /** host.name of every process (the exporter's host: they all run on it). */
  hostName: string;
  /** Add process.command and process.command_line (off by default: arguments may hold secrets). */
  withCommand?: boolean;
  /** From OTEL_RESOURCE_ATTRIBUTES (and flags): added to every resource; perfmem's own keys win. */
  extra?: Attributes;
}

const SHORT = 256;
const LONG = 4096;

/** Cuts an untrusted string to `max` UTF-16 units without leaving half a surrogate pair. */
export function bounded(s: string, max: number): string {
  if (s.length <= max) return s;
  let cut = s.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut;
}

/**
 * service.instance.id: a UUID (version 5, as the conventions recommend for a derived id) of
 * host, pid and start time, so the same process always gets the same id and a reused pid a
 * new one.
 */
export function instanceId(hostName: string, pid: number, startTimeMs: number): string {
  const h = createHash('sha1').update(`perfmem\0${hostName}\0${pid}\0${startTimeMs}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** process.runtime.name as the conventions spell it for Node; the VM's name for a JVM. */
function runtimeName(identity: ProcessIdentity, vmName: string | undefined): string {
  if (identity.runtime === 'node') return 'nodejs';
  if (identity.runtime === 'jvm') return bounded(vmName ?? 'java', SHORT);
  return 'unknown';
}

export function processResource(identity: ProcessIdentity, options: ResourceOptions, vmName?: string): Attributes {
  const r: Record<string, AttributeValue> = { ...options.extra };
  const app = bounded(identity.app, SHORT);
  r[RESOURCE.serviceName] = app !== '' ? app : `unknown_service:${identity.runtime}`;
  r[RESOURCE.serviceInstanceId] = instanceId(options.hostName, identity.pid, identity.startTimeMs);
  r[RESOURCE.hostName] = options.hostName;
  r[RESOURCE.processPid] = identity.pid;
  if (identity.ppid !== undefined && identity.ppid > 0) r[RESOURCE.processParentPid] = identity.ppid;
  if (identity.user !== '') r[RESOURCE.processOwner] = bounded(identity.user, SHORT);
  r[RESOURCE.processRuntimeName] = runtimeName(identity, vmName);
  if (identity.runtimeVersion !== '') r[RESOURCE.processRuntimeVersion] = bounded(identity.runtimeVersion, SHORT);
  if (options.withCommand === true && identity.command !== '') {
    const line = bounded(identity.command, LONG);
    r[RESOURCE.processCommand] = line.split(' ', 1)[0]!;
    r[RESOURCE.processCommandLine] = line;
  }
  return r;
}
