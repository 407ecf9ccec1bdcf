// Registry credentials from Kubernetes imagePullSecrets. Only secrets that a pod names in spec.imagePullSecrets are
// ever read, only in that pod's namespace, and only of type kubernetes.io/dockerconfigjson; their contents are kept
// in memory for a short time and never logged or served.
import type { V1Secret } from '@kubernetes/client-node';
import { credentialsFromDockerConfig, type RegistryCredential } from '../../sources/credentials.js';
import { LruMap } from '../../../containers/lru.js';

export interface SecretApi {
  readNamespacedSecret(req: { name: string; namespace: string }): Promise<V1Secret>;
}

export interface PullSecretStats {
  reads: number;
  cacheHits: number;
  notFound: number;
  forbidden: number;
  wrongType: number;
  malformed: number;
  errors: number;
}

const DNS_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const MAX_SECRET_BYTES = 1024 * 1024;

/** "namespace/name" for a pod's imagePullSecrets entry, or undefined for a name Kubernetes would not accept. */
export function pullSecretRef(namespace: string, name: unknown): string | undefined {
  if (typeof name !== 'string' || !DNS_NAME.test(name) || !DNS_NAME.test(namespace)) return undefined;
  return `${namespace}/${name}`;
}

export class PullSecretReader {
  private readonly cache: LruMap<string, { until: number; creds: RegistryCredential[] }>;
  private readonly counters: PullSecretStats = { reads: 0, cacheHits: 0, notFound: 0, forbidden: 0, wrongType: 0, malformed: 0, errors: 0 };

  constructor(
    private readonly api: SecretApi,
    private readonly opts: { ttlMs?: number; failureTtlMs?: number; maxEntries?: number; timeoutMs?: number; now?: () => number } = {},
  ) {
    this.cache = new LruMap(opts.maxEntries ?? 1024);
  }

  stats(): PullSecretStats {
    return { ...this.counters };
  }

  /** Credentials of every readable secret among `refs` ("namespace/name"); unreadable ones are counted and skipped. */
  async credentials(refs: readonly string[]): Promise<RegistryCredential[]> {
    const out: RegistryCredential[] = [];
    for (const ref of refs) out.push(...(await this.one(ref)));
    return out;
  }

  private async one(ref: string): Promise<RegistryCredential[]> {
    const now = (this.opts.now ?? Date.now)();
    const hit = this.cache.get(ref);
    if (hit && hit.until > now) {
      this.counters.cacheHits++;
      return hit.creds;
    }
    const slash = ref.indexOf('/');
    const namespace = ref.slice(0, slash);
    const name = ref.slice(slash + 1);
    let creds: RegistryCredential[] = [];
    let ok = false;
    this.counters.reads++;
    try {
      const secret = await this.withTimeout(this.api.readNamespacedSecret({ name, namespace }), ref);
      creds = this.parse(secret);
      ok = true;
    } catch (err) {
      const code = (err as { code?: unknown }).code ?? (err as { statusCode?: unknown }).statusCode;
      if (code === 404) this.counters.notFound++;
      else if (code === 403 || code === 401) this.counters.forbidden++;
      else this.counters.errors++;
    }
    // Failures are remembered briefly too, so a missing secret does not cost an API call per scan.
    this.cache.set(ref, { until: now + (ok ? (this.opts.ttlMs ?? 5 * 60_000) : (this.opts.failureTtlMs ?? 60_000)), creds });
    return creds;
  }

  private parse(secret: V1Secret): RegistryCredential[] {
    if (secret.type !== 'kubernetes.io/dockerconfigjson') {
      this.counters.wrongType++;
      return [];
    }
    const data = secret.data?.['.dockerconfigjson'];
    if (typeof data !== 'string' || data.length > (MAX_SECRET_BYTES * 4) / 3 + 4) {
      this.counters.malformed++;
      return [];
    }
    try {
      return credentialsFromDockerConfig(JSON.parse(Buffer.from(data, 'base64').toString('utf8')));
    } catch {
      this.counters.malformed++;
      return [];
    }
  }

  private withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
    const ms = this.opts.timeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`reading secret ${what} timed out`), { code: 'ETIMEDOUT' })), ms);
    });
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  }
}
