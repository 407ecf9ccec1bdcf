// podman and docker "inspect" documents → the fields Vigil uses. Pure; the documents are untrusted JSON, so
// every field is checked for type and bounded.
import { boundedString, boundLabels, type LabelLimits, DEFAULT_LABEL_LIMITS } from './bounded-labels.js';
import { isContainerId } from './cgroup-path.js';

export interface RuntimeContainerInfo {
  id: string;
  runtime: 'podman' | 'docker';
  name?: string;
  /** The image reference the container was created from, e.g. localhost/vigil-test:1. */
  image?: string;
  /** Image ID (config digest), "sha256:<hex>". */
  imageId?: string;
  /** Manifest (repo) digest, "sha256:<hex>", when the runtime knows one. */
  imageDigest?: string;
  labels: Record<string, string>;
  labelsDropped: number;
  privileged?: boolean;
  /** ISO-8601 start time. */
  startedAt?: string;
  pid?: number;
  cgroupPath?: string;
  /** From io.kubernetes.* labels (dockershim / cri-dockerd containers, podman kube play). */
  kubernetes?: { namespace?: string; pod?: string; podUid?: string; containerName?: string };
}

type Json = Record<string, unknown>;

function obj(v: unknown): Json | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}

const SHA256 = /^sha256:[0-9a-f]{64}$/;

export function normalizeImageId(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  if (SHA256.test(v)) return v;
  if (/^[0-9a-f]{64}$/.test(v)) return `sha256:${v}`;
  return undefined;
}

/** The digest part of "repo@sha256:<hex>" (or a bare digest). */
export function digestOf(ref: unknown): string | undefined {
  if (typeof ref !== 'string') return undefined;
  const at = ref.lastIndexOf('@');
  const d = at >= 0 ? ref.slice(at + 1) : ref;
  return SHA256.test(d) ? d : undefined;
}

function startedAt(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.startsWith('0001-01-01')) return undefined;
  const t = Date.parse(v);
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

function kubernetesFromLabels(labels: Record<string, string>): RuntimeContainerInfo['kubernetes'] {
  const k: NonNullable<RuntimeContainerInfo['kubernetes']> = {};
  const ns = labels['io.kubernetes.pod.namespace'];
  const pod = labels['io.kubernetes.pod.name'];
  const uid = labels['io.kubernetes.pod.uid'];
  const name = labels['io.kubernetes.container.name'];
  if (ns) k.namespace = ns;
  if (pod) k.pod = pod;
  if (uid) k.podUid = uid;
  if (name && name !== 'POD') k.containerName = name;
  return Object.keys(k).length > 0 ? k : undefined;
}

function common(doc: Json, runtime: 'podman' | 'docker', limits: LabelLimits): RuntimeContainerInfo | undefined {
  const id = typeof doc['Id'] === 'string' ? doc['Id'].toLowerCase() : '';
  if (!isContainerId(id)) return undefined;
  const config = obj(doc['Config']) ?? {};
  const state = obj(doc['State']) ?? {};
  const host = obj(doc['HostConfig']) ?? {};
  const { labels, dropped } = boundLabels(config['Labels'], limits);
  const info: RuntimeContainerInfo = { id, runtime, labels, labelsDropped: dropped };
  const name = boundedString(doc['Name'], 256);
  if (name) info.name = name.replace(/^\//, '');
  if (typeof host['Privileged'] === 'boolean') info.privileged = host['Privileged'];
  const started = startedAt(state['StartedAt']);
  if (started) info.startedAt = started;
  if (Number.isInteger(state['Pid']) && (state['Pid'] as number) > 0) info.pid = state['Pid'] as number;
  const k = kubernetesFromLabels(labels);
  if (k) info.kubernetes = k;
  return info;
}

/** `podman inspect` (an array with one element) or GET /libpod/containers/{id}/json (the element). */
export function parsePodmanInspect(input: unknown, limits: LabelLimits = DEFAULT_LABEL_LIMITS): RuntimeContainerInfo | undefined {
  const doc = obj(Array.isArray(input) ? input[0] : input);
  if (!doc) return undefined;
  const info = common(doc, 'podman', limits);
  if (!info) return undefined;
  const config = obj(doc['Config']) ?? {};
  const image = boundedString(doc['ImageName']) ?? boundedString(config['Image']);
  if (image) info.image = image;
  const imageId = normalizeImageId(doc['Image']);
  if (imageId) info.imageId = imageId;
  const digest = digestOf(doc['ImageDigest']);
  if (digest) info.imageDigest = digest;
  const state = obj(doc['State']) ?? {};
  const cg = boundedString(state['CgroupPath'], 4096);
  if (cg) info.cgroupPath = cg;
  return info;
}

/**
 * `docker inspect` / GET /containers/{id}/json. Docker's container document has no manifest digest; pass the
 * image document (GET /images/{id}/json) to take it from RepoDigests, preferring the container's repository.
 */
export function parseDockerInspect(input: unknown, image?: unknown, limits: LabelLimits = DEFAULT_LABEL_LIMITS): RuntimeContainerInfo | undefined {
  const doc = obj(Array.isArray(input) ? input[0] : input);
  if (!doc) return undefined;
  const info = common(doc, 'docker', limits);
  if (!info) return undefined;
  const config = obj(doc['Config']) ?? {};
  const ref = boundedString(config['Image']);
  if (ref) info.image = ref;
  const imageId = normalizeImageId(doc['Image']);
  if (imageId) info.imageId = imageId;
  const imageDoc = obj(Array.isArray(image) ? image[0] : image);
  const repoDigests = Array.isArray(imageDoc?.['RepoDigests']) ? (imageDoc['RepoDigests'] as unknown[]).slice(0, 64) : [];
  const repo = ref ? repoOf(ref) : undefined;
  const preferred = repoDigests.find((d) => typeof d === 'string' && repo !== undefined && repoOf(d) === repo);
  const digest = digestOf(preferred ?? repoDigests[0]);
  if (digest) info.imageDigest = digest;
  return info;
}

/** "registry/name:tag" or "registry/name@sha256:..." → "registry/name". */
export function repoOf(ref: string): string {
  const at = ref.indexOf('@');
  const noDigest = at >= 0 ? ref.slice(0, at) : ref;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}
