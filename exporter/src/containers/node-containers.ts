// One call that assembles the container-attribution parts for `vigil node`: cgroup layout → resolver →
// metadata sources (podman, docker, Kubernetes) → registry, plus the cgroup stats reader. The composition root
// calls this and wires the results; nothing here knows about events, rules or metrics.
import { detectCgroupLayout, type CgroupLayout } from '../cgroups/mounts.js';
import { CgroupStatsReader, type CgroupStatsCounters } from '../cgroups/stats.js';
import { CgroupResolver, type CgroupResolverOptions, type CgroupResolverStats } from './cgroup-resolver.js';
import type { KubernetesPodIndex, KubernetesPodIndexOptions, KubernetesPodIndexStats } from './kubernetes-pods.js';
import { DockerInspector, PodmanInspector, type InspectorStats, type LocalRuntimeOptions, type RuntimeInspector } from './local-runtime.js';
import { ContainerRegistry, type ContainerRegistryOptions, type ContainerRegistryStats } from './registry.js';

export interface NodeContainersOptions {
  /** This node's name (Kubernetes: spec.nodeName of its pods; usually from the downward API). */
  nodeName?: string;
  /**
   * Kubernetes pod metadata: 'in-cluster' (service account), an explicit server/kubeconfig, or false/absent to
   * run without (local podman/docker only).
   */
  kubernetes?: false | 'in-cluster' | { server?: string; token?: string; kubeconfigPath?: string; caFile?: string };
  kubernetesOptions?: Omit<KubernetesPodIndexOptions, 'kubeConfig' | 'nodeName'>;
  /** Local runtimes; false disables one. Defaults: both, at their standard socket paths and CLI names. */
  podman?: false | LocalRuntimeOptions;
  docker?: false | LocalRuntimeOptions;
  /** Override detection (tests, or a host /proc mounted elsewhere). */
  layout?: CgroupLayout;
  procRoot?: string;
  resolver?: Omit<CgroupResolverOptions, 'layout' | 'procRoot'>;
  registry?: Omit<ContainerRegistryOptions, 'resolver' | 'inspectors' | 'pods' | 'nodeName'>;
}

export interface NodeContainersStats {
  registry: ContainerRegistryStats;
  resolver: CgroupResolverStats;
  runtimes: Record<string, InspectorStats>;
  kubernetes?: KubernetesPodIndexStats;
  cgroupStats: CgroupStatsCounters;
}

export interface NodeContainers {
  layout: CgroupLayout;
  resolver: CgroupResolver;
  registry: ContainerRegistry;
  pods: KubernetesPodIndex | undefined;
  cgroupStats: CgroupStatsReader;
  /** Index the cgroup tree and start the pod informer (resolves after its first list, or its first failure). */
  start(): Promise<void>;
  stop(): Promise<void>;
  stats(): NodeContainersStats;
}

/**
 * The Kubernetes client is loaded only when a cluster is configured: importing @kubernetes/client-node alone
 * costs ~30 MB of heap and ~70 MB of RSS, which a node outside Kubernetes should not pay.
 */
export async function createNodeContainers(opts: NodeContainersOptions = {}): Promise<NodeContainers> {
  const layout = opts.layout ?? detectCgroupLayout();
  const resolver = new CgroupResolver({ ...opts.resolver, layout, ...(opts.procRoot ? { procRoot: opts.procRoot } : {}) });
  const inspectors: RuntimeInspector[] = [];
  if (opts.podman !== false) inspectors.push(new PodmanInspector(opts.podman ?? {}));
  if (opts.docker !== false) inspectors.push(new DockerInspector(opts.docker ?? {}));
  let pods: KubernetesPodIndex | undefined;
  if (opts.kubernetes) {
    const { KubernetesPodIndex, kubeConfigFor } = await import('./kubernetes-pods.js');
    const kubeConfig = opts.kubernetes === 'in-cluster' ? kubeConfigFor({ inCluster: true }) : kubeConfigFor(opts.kubernetes);
    pods = new KubernetesPodIndex({
      ...opts.kubernetesOptions, kubeConfig, ...(opts.nodeName ? { nodeName: opts.nodeName } : {}),
    });
  }
  const registry = new ContainerRegistry({
    ...opts.registry, resolver, inspectors, ...(pods ? { pods } : {}), ...(opts.nodeName ? { nodeName: opts.nodeName } : {}),
  });
  const cgroupStats = new CgroupStatsReader(layout);
  return {
    layout, resolver, registry, pods, cgroupStats,
    async start() {
      registry.start();
      await Promise.all([resolver.hasUnified ? resolver.rescan() : undefined, pods?.start()]);
    },
    async stop() {
      registry.stop();
      resolver.stop();
      await pods?.stop();
    },
    stats() {
      const s: NodeContainersStats = {
        registry: registry.stats(),
        resolver: resolver.stats(),
        runtimes: Object.fromEntries(inspectors.map((i) => [i.runtime, i.stats()])),
        cgroupStats: cgroupStats.stats(),
      };
      if (pods) s.kubernetes = pods.stats();
      return s;
    },
  };
}
