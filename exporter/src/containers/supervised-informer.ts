// A ListWatch kept alive: started once (the first list resolves start()), restarted with exponential backoff
// after every list/watch failure, stopped cleanly. Both the node's pod index and the scanner's image discovery
// watch pods this way; what they do with the objects is theirs.

import { CoreV1Api, ListWatch, Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';

export interface InformerHandlers<T> {
  upsert: (obj: T) => void;
  remove: (obj: T) => void;
}

export interface SupervisedInformerOptions {
  restartDelayMs: number;
  maxRestartDelayMs: number;
}

/**
 * The pod watch the node's pod index and the scanner's discovery both keep: every pod, or only those matching
 * `fieldSelector` (the node watches `spec.nodeName=<node>`). makeInformer() cannot pass a fieldSelector, so this
 * builds the same ListWatch by hand.
 */
export function supervisePods(
  kc: KubeConfig,
  handlers: InformerHandlers<V1Pod>,
  opts: Partial<SupervisedInformerOptions> & { fieldSelector?: string } = {},
): SupervisedInformer<V1Pod> {
  const core = kc.makeApiClient(CoreV1Api);
  const { fieldSelector } = opts;
  const list = (): Promise<KubernetesListObject<V1Pod>> => core.listPodForAllNamespaces(fieldSelector ? { fieldSelector } : {});
  return new SupervisedInformer(new ListWatch<V1Pod>('/api/v1/pods', new Watch(kc), list, false, undefined, fieldSelector), handlers, {
    restartDelayMs: opts.restartDelayMs ?? 1000,
    maxRestartDelayMs: opts.maxRestartDelayMs ?? 30_000,
  });
}

export class SupervisedInformer<T extends KubernetesObject> {
  /** True once a start completed without an error (the first list was applied). */
  synced = false;
  /** The message of the newest list/watch failure, for the operator's log (the count is in `counters`). */
  lastError: string | undefined;
  readonly counters = { informerErrors: 0, informerRestarts: 0, connects: 0 };
  private stopped = true;
  private restartDelay: number;
  private restartTimer: NodeJS.Timeout | undefined;
  private errorsThisStart = 0;
  private firstSync: Promise<void> | undefined;
  private markSynced: (() => void) | undefined;

  constructor(
    private readonly informer: ListWatch<T>,
    handlers: InformerHandlers<T>,
    private readonly opts: SupervisedInformerOptions,
  ) {
    this.restartDelay = opts.restartDelayMs;
    informer.on('add', (o) => handlers.upsert(o));
    informer.on('update', (o) => handlers.upsert(o));
    informer.on('delete', (o) => handlers.remove(o));
    informer.on('connect', () => {
      this.counters.connects++;
    });
    informer.on('error', (err) => this.onError(err));
  }

  get running(): boolean {
    return !this.stopped;
  }

  /** Resolves once the first list has been applied, or after the first failure (it keeps retrying). */
  start(): Promise<void> {
    if (!this.stopped) return this.firstSync ?? Promise.resolve();
    this.stopped = false;
    this.firstSync = new Promise<void>((resolve) => {
      this.markSynced = resolve;
    });
    void this.startInformer();
    return this.firstSync;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.markSynced?.();
    await this.informer.stop();
  }

  private async startInformer(): Promise<void> {
    this.errorsThisStart = 0;
    try {
      await this.informer.start();
    } catch (err) {
      this.onError(err);
    }
    if (this.stopped) return;
    if (this.errorsThisStart === 0) {
      this.restartDelay = this.opts.restartDelayMs;
      this.synced = true;
    }
    this.markSynced?.();
  }

  private onError(err: unknown): void {
    if (this.stopped) return; // stop() aborts the watch, which reports as an error
    this.counters.informerErrors++;
    this.lastError = err instanceof Error ? err.message : String(err);
    this.errorsThisStart++;
    if (this.restartTimer) return;
    const delay = this.restartDelay;
    this.restartDelay = Math.min(this.opts.maxRestartDelayMs, this.restartDelay * 2);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopped) return;
      this.counters.informerRestarts++;
      void this.startInformer();
    }, delay);
    this.restartTimer.unref();
  }
}
