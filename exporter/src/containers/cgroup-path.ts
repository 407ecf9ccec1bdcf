// Which container (and which Kubernetes pod) a cgroup path belongs to, from the path alone. Every runtime and
// cgroup driver names its cgroups differently; this module knows the names so nothing else has to. Pure.
//
// Rules, applied to the path's segments left to right:
//  - a container segment (cri-containerd-ID.scope, crio-ID.scope, docker-ID.scope, libpod-ID(.scope), a bare
//    64-hex ID, ...) makes that container the answer; a later container segment (nesting: kind, docker-in-docker)
//    replaces it, so the innermost container wins;
//  - a kubepods segment starts a Kubernetes sub-tree: QoS and pod segments after it describe the containers that
//    follow. Pod and QoS only attach to a container found after them, never to an outer one;
//  - conmon scopes (crio-conmon-ID.scope, libpod-conmon-ID.scope) are runtime helpers, not containers;
//  - segments after the container (e.g. libpod-ID.scope/container, crio-ID.scope/container) are inside it.
// No container segment: the process is on the host (possibly in a pod-level cgroup, then podUid says which pod).

export type ContainerRuntime = 'containerd' | 'cri-o' | 'docker' | 'podman' | 'unknown';
export type QosClass = 'guaranteed' | 'burstable' | 'besteffort';

export interface CgroupAttribution {
  /** 'host' when no container segment was found; 'unknown' when the path holds an ID but not the runtime's name. */
  runtime: ContainerRuntime | 'host';
  /** Lower-case 64-hex container ID; absent for host processes. */
  containerId?: string;
  /** Pod UID in its API form (dashes), when the container (or pod-level cgroup) sits in a kubepods tree. */
  podUid?: string;
  qosClass?: QosClass;
}

const ID = '([0-9a-f]{64})';
/** Named container scopes: prefix → runtime. Checked before the bare-ID rule. */
const CONTAINER_SEGMENTS: Array<[RegExp, ContainerRuntime]> = [
  [new RegExp(`^cri-containerd-${ID}\\.scope$`), 'containerd'],
  [new RegExp(`^nerdctl-${ID}\\.scope$`), 'containerd'],
  [new RegExp(`^crio-${ID}\\.scope$`), 'cri-o'],
  [new RegExp(`^docker-${ID}\\.scope$`), 'docker'],
  [new RegExp(`^libpod-${ID}(?:\\.scope)?$`), 'podman'],
];
const BARE_ID = new RegExp(`^${ID}$`);
/** Parents of a bare ID that name the runtime (cgroupfs drivers). */
const BARE_ID_PARENTS: Record<string, ContainerRuntime> = {
  docker: 'docker',
  libpod_parent: 'podman',
  'k8s.io': 'containerd',
  default: 'containerd',
  moby: 'docker',
};

// kubepods / kubepods.slice / kubelet-kubepods.slice (kind, kubelet with a --cgroup-root) / kubepods-xxx.slice
const KUBEPODS = /^(?:[\w.-]+-)?kubepods(?:\.slice)?$/;
const QOS_SYSTEMD = /^(?:[\w.-]+-)?kubepods-(burstable|besteffort)\.slice$/;
const QOS_CGROUPFS = /^(burstable|besteffort)$/;
// A pod UID is a UUID; static (mirror) pods use a 32-hex hash of their manifest instead.
const UID = '([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}|[0-9a-f]{32})';
const POD_SYSTEMD = new RegExp(`^(?:[\\w.-]+-)?kubepods(?:-(?:burstable|besteffort))?-pod${UID}\\.slice$`);
const POD_CGROUPFS = new RegExp(`^pod${UID}$`);

const HOST: CgroupAttribution = Object.freeze({ runtime: 'host' }) as CgroupAttribution;

/** Parse one cgroup path. Malformed input (not a string, too long, NUL) is attributed to the host. */
export function parseCgroupPath(path: string): CgroupAttribution {
  if (typeof path !== 'string' || path.length > 4096 || path.includes('\0')) return { ...HOST };
  const segments = path.toLowerCase().split('/');
  let inKube = false;
  let podUid: string | undefined;
  let qos: QosClass | undefined;
  let found: CgroupAttribution | undefined;
  let parent = '';
  for (const seg of segments) {
    // "/.." prefixes appear when a path is printed relative to another cgroup namespace; they carry no names.
    if (seg === '' || seg === '.' || seg === '..') continue;
    const container = containerIn(seg, parent, inKube);
    if (container) {
      found = { runtime: container.runtime, containerId: container.id };
      if (podUid !== undefined) found.podUid = podUid;
      if (qos !== undefined) found.qosClass = qos;
    } else if (KUBEPODS.test(seg) && !QOS_SYSTEMD.test(seg)) {
      // A new kubepods tree (also inside a kind node container): what follows belongs to it.
      inKube = true;
      podUid = undefined;
      qos = 'guaranteed';
    } else if (inKube) {
      const q = QOS_SYSTEMD.exec(seg) ?? QOS_CGROUPFS.exec(seg);
      const p = POD_SYSTEMD.exec(seg) ?? POD_CGROUPFS.exec(seg);
      if (p?.[1]) {
        podUid = p[1].replace(/_/g, '-');
        if (!qos || qos === 'guaranteed') qos = qosFromPodSegment(seg) ?? qos;
      } else if (q?.[1]) {
        qos = q[1] as QosClass;
      }
    }
    parent = seg;
  }
  if (found) return found;
  const host: CgroupAttribution = { runtime: 'host' };
  if (podUid !== undefined) {
    host.podUid = podUid;
    if (qos !== undefined) host.qosClass = qos;
  }
  return host;
}

function containerIn(seg: string, parent: string, inKube: boolean): { runtime: ContainerRuntime; id: string } | undefined {
  for (const [re, runtime] of CONTAINER_SEGMENTS) {
    const m = re.exec(seg);
    if (m?.[1]) return { runtime, id: m[1] };
  }
  const bare = BARE_ID.exec(seg);
  if (bare?.[1]) {
    // Under a pod (cgroupfs driver) the runtime is whatever the kubelet talks to; the pod's containerID says.
    const runtime = inKube ? 'unknown' : (BARE_ID_PARENTS[parent] ?? 'unknown');
    return { runtime, id: bare[1] };
  }
  return undefined;
}

function qosFromPodSegment(seg: string): QosClass | undefined {
  if (seg.includes('-burstable-pod')) return 'burstable';
  if (seg.includes('-besteffort-pod')) return 'besteffort';
  return undefined;
}

/** Is this a container ID as runtimes print them (64 lower-case hex)? */
export function isContainerId(s: string): boolean {
  return BARE_ID.test(s);
}
