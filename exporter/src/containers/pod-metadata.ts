// A Pod object (from a list, where the client turned timestamps into Dates, or from a watch event, raw JSON)
// → the compact, bounded facts the container registry needs. Pure and defensive: API objects are large, and a
// field of the wrong type must cost that field, not the pod.
import { boundedString, boundLabels, DEFAULT_LABEL_LIMITS, type LabelLimits } from './bounded-labels.js';
import { isContainerId, type ContainerRuntime } from './cgroup-path.js';
import { digestOf } from './inspect-parse.js';

export interface PodContainerInfo {
  name: string;
  kind: 'container' | 'init' | 'ephemeral';
  /** Current container ID (64 hex) once the kubelet has reported it. */
  containerId?: string;
  /** IDs of earlier incarnations (lastState.terminated), whose late events should still resolve. */
  previousContainerIds: string[];
  runtime?: ContainerRuntime;
  image?: string;
  /** status.imageID as reported (e.g. docker.io/library/nginx@sha256:...). */
  imageId?: string;
  /** The sha256 manifest digest in imageID, when it carries one. */
  imageDigest?: string;
  privileged?: boolean;
  startedAt?: string;
}

export interface OwnerRef {
  kind: string;
  name: string;
}

export interface PodInfo {
  uid: string;
  namespace: string;
  name: string;
  node?: string;
  phase?: string;
  labels: Record<string, string>;
  labelsDropped: number;
  /** The controlling ownerReference (controller: true), if any. */
  owner?: OwnerRef;
  containers: PodContainerInfo[];
  /** Containers beyond maxContainers that were not indexed. */
  containersDropped: number;
  resourceVersion?: string;
}

export interface PodMetadataLimits {
  labels: LabelLimits;
  maxContainers: number;
}

export const DEFAULT_POD_LIMITS: PodMetadataLimits = { labels: DEFAULT_LABEL_LIMITS, maxContainers: 64 };

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const RUNTIME_PREFIXES: Record<string, ContainerRuntime> = {
  containerd: 'containerd',
  'cri-o': 'cri-o',
  docker: 'docker',
};

/** "containerd://<id>" → {runtime, id}; undefined for anything that is not a 64-hex ID with a known scheme. */
export function parseContainerId(v: unknown): { runtime: ContainerRuntime; id: string } | undefined {
  if (typeof v !== 'string' || v.length > 200) return undefined;
  const sep = v.indexOf('://');
  if (sep < 0) return undefined;
  const id = v.slice(sep + 3).toLowerCase();
  if (!isContainerId(id)) return undefined;
  return { runtime: RUNTIME_PREFIXES[v.slice(0, sep)] ?? 'unknown', id };
}

function isoTime(v: unknown): string | undefined {
  if (v instanceof Date) return Number.isFinite(v.getTime()) ? v.toISOString() : undefined;
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

/** Strip the dockershim-era scheme ("docker-pullable://") from an imageID. */
function cleanImageId(v: unknown): string | undefined {
  const s = boundedString(v);
  return s?.replace(/^[a-z-]+:\/\//, '');
}

export function podInfoFromObject(pod: unknown, limits: PodMetadataLimits = DEFAULT_POD_LIMITS): PodInfo | undefined {
  const p = obj(pod);
  const meta = obj(p?.['metadata']);
  const uid = typeof meta?.['uid'] === 'string' ? meta['uid'].toLowerCase() : '';
  const namespace = boundedString(meta?.['namespace'], 253);
  const name = boundedString(meta?.['name'], 253);
  if (!meta || uid === '' || uid.length > 64 || !namespace || !name) return undefined;
  const spec = obj(p?.['spec']) ?? {};
  const status = obj(p?.['status']) ?? {};
  const { labels, dropped } = boundLabels(meta['labels'], limits.labels);
  const info: PodInfo = { uid, namespace, name, labels, labelsDropped: dropped, containers: [], containersDropped: 0 };
  const node = boundedString(spec['nodeName'], 253);
  if (node) info.node = node;
  const phase = boundedString(status['phase'], 32);
  if (phase) info.phase = phase;
  const rv = boundedString(meta['resourceVersion'], 64);
  if (rv) info.resourceVersion = rv;
  for (const ref of arr(meta['ownerReferences']).slice(0, 32)) {
    const r = obj(ref);
    const kind = boundedString(r?.['kind'], 63);
    const refName = boundedString(r?.['name'], 253);
    if (r?.['controller'] === true && kind && refName) {
      info.owner = { kind, name: refName };
      break;
    }
  }

  const groups: Array<[PodContainerInfo['kind'], string, string]> = [
    ['container', 'containers', 'containerStatuses'],
    ['init', 'initContainers', 'initContainerStatuses'],
    ['ephemeral', 'ephemeralContainers', 'ephemeralContainerStatuses'],
  ];
  for (const [kind, specKey, statusKey] of groups) {
    const statuses = new Map<string, Json>();
    for (const s of arr(status[statusKey]).slice(0, limits.maxContainers)) {
      const so = obj(s);
      const n = boundedString(so?.['name'], 253);
      if (so && n) statuses.set(n, so);
    }
    for (const c of arr(spec[specKey])) {
      const co = obj(c);
      const cname = boundedString(co?.['name'], 253);
      if (!co || !cname) continue;
      if (info.containers.length >= limits.maxContainers) {
        info.containersDropped++;
        continue;
      }
      info.containers.push(containerInfo(kind, cname, co, statuses.get(cname)));
    }
  }
  return info;
}

function containerInfo(kind: PodContainerInfo['kind'], name: string, spec: Json, status: Json | undefined): PodContainerInfo {
  const c: PodContainerInfo = { name, kind, previousContainerIds: [] };
  const sc = obj(spec['securityContext']);
  if (typeof sc?.['privileged'] === 'boolean') c.privileged = sc['privileged'];
  // status.image is what the runtime resolved (fully qualified); the spec's image is the fallback.
  const image = boundedString(status?.['image']) ?? boundedString(spec['image']);
  if (image) c.image = image;
  if (!status) return c;
  const id = parseContainerId(status['containerID']);
  if (id) {
    c.containerId = id.id;
    c.runtime = id.runtime;
  }
  const imageId = cleanImageId(status['imageID']);
  if (imageId) {
    c.imageId = imageId;
    const digest = imageId.includes('@') ? digestOf(imageId) : undefined;
    if (digest) c.imageDigest = digest;
  }
  const state = obj(status['state']) ?? {};
  const started = isoTime(obj(state['running'])?.['startedAt']) ?? isoTime(obj(state['terminated'])?.['startedAt']);
  if (started) c.startedAt = started;
  const prev = parseContainerId(obj(obj(status['lastState'])?.['terminated'])?.['containerID']);
  if (prev && prev.id !== c.containerId) c.previousContainerIds.push(prev.id);
  return c;
}
