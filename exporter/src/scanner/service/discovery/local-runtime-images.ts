// Images in use outside a cluster: the local container runtime, polled through its CLI. podman images are scanned
// from its own store (containers-storage:<image id>); docker images by their registry digest (Vigil has no reader
// for docker's daemon store, so an image docker only has locally is counted as unscannable).
import { execFile } from 'node:child_process';
import type { Contribution, ImageInventory } from '../image-inventory.js';

export interface LocalRuntimeDiscoveryOptions {
  runtime: 'podman' | 'docker';
  inventory: ImageInventory;
  /** CLI binary; default the runtime's name */
  binary?: string;
  intervalMs?: number;
  /** running: images of running containers; all: also every other image in the local store */
  localImages?: 'running' | 'all';
  timeoutMs?: number;
  maxOutputBytes?: number;
}

export interface LocalRuntimeDiscoveryStats {
  polls: number;
  failures: number;
  containers: number;
  images: number;
  unscannable: number;
  lastError?: string;
}

const HEX64 = /^[a-f0-9]{64}$/;
const OWNER_PREFIX = 'runtime:';
const DIGEST = /^sha256:[a-f0-9]{64}$/;

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const str = (v: unknown, max = 1024): string | undefined => (typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => str(x)).filter((x): x is string => x !== undefined) : []);

export interface LocalImage {
  id: string;
  names: string[];
  digest?: string;
  repoDigests: string[];
}

export interface LocalContainer {
  id: string;
  name: string;
  imageId: string;
  image: string;
}

/** `podman ps --format json` (an array); entries that do not look like containers are skipped. */
export function parsePodmanPs(text: string): LocalContainer[] {
  const doc: unknown = JSON.parse(text);
  if (!Array.isArray(doc)) throw new Error('podman ps: expected a JSON array');
  const out: LocalContainer[] = [];
  for (const e of doc) {
    const o = obj(e);
    const id = str(o?.['Id'], 64)?.toLowerCase();
    const imageId = str(o?.['ImageID'], 71)?.replace(/^sha256:/, '').toLowerCase();
    if (!o || !id || !HEX64.test(id) || !imageId || !HEX64.test(imageId)) continue;
    const name = strings(o['Names'])[0] ?? id.slice(0, 12);
    out.push({ id, name, imageId, image: str(o['Image']) ?? imageId });
  }
  return out;
}

/** `podman images --format json` (an array). */
export function parsePodmanImages(text: string): LocalImage[] {
  const doc: unknown = JSON.parse(text);
  if (!Array.isArray(doc)) throw new Error('podman images: expected a JSON array');
  const out: LocalImage[] = [];
  for (const e of doc) {
    const o = obj(e);
    const id = str(o?.['Id'], 71)?.replace(/^sha256:/, '').toLowerCase();
    if (!o || !id || !HEX64.test(id)) continue;
    const digest = str(o['Digest'], 71);
    out.push({ id, names: strings(o['Names']), repoDigests: strings(o['RepoDigests']), ...(digest && DIGEST.test(digest) ? { digest } : {}) });
  }
  return out;
}

/** `docker ps --no-trunc --format '{{json .}}'`: one JSON object per line. */
export function parseDockerPs(text: string): { id: string; name: string; image: string }[] {
  const out: { id: string; name: string; image: string }[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let o: Json | undefined;
    try {
      o = obj(JSON.parse(line));
    } catch {
      continue;
    }
    const id = str(o?.['ID'], 64)?.toLowerCase();
    const image = str(o?.['Image']);
    if (!id || !HEX64.test(id) || !image) continue;
    out.push({ id, name: str(o?.['Names'])?.split(',')[0] ?? id.slice(0, 12), image });
  }
  return out;
}

/** `docker image inspect`: an array of {Id, RepoTags, RepoDigests}. */
export function parseDockerImageInspect(text: string): LocalImage[] {
  const doc: unknown = JSON.parse(text);
  if (!Array.isArray(doc)) throw new Error('docker image inspect: expected a JSON array');
  const out: LocalImage[] = [];
  for (const e of doc) {
    const o = obj(e);
    const id = str(o?.['Id'], 71)?.replace(/^sha256:/, '').toLowerCase();
    if (!o || !id || !HEX64.test(id)) continue;
    out.push({ id, names: strings(o['RepoTags']), repoDigests: strings(o['RepoDigests']) });
  }
  return out;
}

export class LocalRuntimeDiscovery {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private readonly counters: LocalRuntimeDiscoveryStats = { polls: 0, failures: 0, containers: 0, images: 0, unscannable: 0 };
  synced = false;

  constructor(private readonly opts: LocalRuntimeDiscoveryOptions) {}

  stats(): LocalRuntimeDiscoveryStats {
    return { ...this.counters };
  }

  /** Polls once now (resolving when done) and then every intervalMs. */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    await this.pollOnce();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.pollOnce().finally(() => this.schedule());
    }, this.opts.intervalMs ?? 30_000);
    this.timer.unref();
  }

  /** One poll: the runtime's containers (and images) replace what it contributed before. */
  async pollOnce(): Promise<void> {
    this.counters.polls++;
    let owners: Map<string, Contribution[]>;
    try {
      owners = this.opts.runtime === 'podman' ? await this.podman() : await this.docker();
    } catch (err) {
      // A failed poll keeps the previous picture: a runtime hiccup must not make every image "gone".
      this.counters.failures++;
      this.counters.lastError = (err as Error).message.slice(0, 300);
      return;
    }
    const inv = this.opts.inventory;
    for (const old of inv.owners(OWNER_PREFIX)) if (!owners.has(old)) inv.delete(old);
    for (const [owner, list] of owners) inv.set(owner, list);
    this.synced = true;
  }

  private async podman(): Promise<Map<string, Contribution[]>> {
    const containers = parsePodmanPs(await this.run(['ps', '--format', 'json']));
    const images = parsePodmanImages(await this.run(['images', '--format', 'json']));
    const byId = new Map(images.map((i) => [i.id, i]));
    this.counters.containers = containers.length;
    this.counters.images = images.length;
    const owners = new Map<string, Contribution[]>();
    const contribution = (imageId: string, displayRef: string, workload?: Contribution['workload']): Contribution => {
      const img = byId.get(imageId);
      return {
        key: `sha256:${imageId}`,
        reference: `containers-storage:${imageId}`,
        displayRef: img?.names[0] ?? displayRef,
        ...(img?.digest ? { digest: img.digest } : {}),
        ...(workload ? { workload } : {}),
        source: 'runtime',
      };
    };
    for (const c of containers) {
      owners.set(`${OWNER_PREFIX}${c.id}`, [contribution(c.imageId, c.image, { namespace: '', kind: 'Container', name: c.name, container: c.name })]);
    }
    if (this.opts.localImages === 'all') {
      for (const i of images) owners.set(`${OWNER_PREFIX}image:${i.id}`, [contribution(i.id, i.names[0] ?? i.id)]);
    }
    return owners;
  }

  private async docker(): Promise<Map<string, Contribution[]>> {
    const containers = parseDockerPs(await this.run(['ps', '--no-trunc', '--format', '{{json .}}']));
    this.counters.containers = containers.length;
    const owners = new Map<string, Contribution[]>();
    if (containers.length === 0 && this.opts.localImages !== 'all') return owners;
    const ids = this.opts.localImages === 'all'
      ? (await this.run(['images', '-q', '--no-trunc'])).split('\n').map((s) => s.trim()).filter((s) => /^sha256:[a-f0-9]{64}$/.test(s))
      : [...new Set(containers.map((c) => c.image))];
    // Names come from docker's own output; still, only pass what cannot be read as an option.
    const safe = ids.filter((s) => !s.startsWith('-') && s.length <= 1024).slice(0, 1000);
    const images = safe.length > 0 ? parseDockerImageInspect(await this.run(['image', 'inspect', '--', ...safe])) : [];
    this.counters.images = images.length;
    const byName = new Map<string, LocalImage>();
    for (const i of images) {
      byName.set(i.id, i);
      byName.set(`sha256:${i.id}`, i);
      for (const n of i.names) byName.set(n, i);
    }
    const contribution = (img: LocalImage | undefined, displayRef: string, workload?: Contribution['workload']): Contribution | undefined => {
      const repoDigest = img?.repoDigests[0];
      const digest = repoDigest?.slice(repoDigest.indexOf('@') + 1);
      if (!repoDigest || !digest || !DIGEST.test(digest)) {
        this.counters.unscannable++;
        return undefined;
      }
      return { key: digest, reference: repoDigest, displayRef, digest, ...(workload ? { workload } : {}), source: 'runtime' };
    };
    for (const c of containers) {
      const ct = contribution(byName.get(c.image), c.image, { namespace: '', kind: 'Container', name: c.name, container: c.name });
      if (ct) owners.set(`${OWNER_PREFIX}${c.id}`, [ct]);
    }
    if (this.opts.localImages === 'all') {
      for (const i of images) {
        const ct = contribution(i, i.names[0] ?? i.id);
        if (ct) owners.set(`${OWNER_PREFIX}image:${i.id}`, [ct]);
      }
    }
    return owners;
  }

  private run(args: string[]): Promise<string> {
    const bin = this.opts.binary ?? this.opts.runtime;
    return new Promise((resolve, reject) => {
      execFile(
        bin,
        args,
        { timeout: this.opts.timeoutMs ?? 30_000, killSignal: 'SIGKILL', maxBuffer: this.opts.maxOutputBytes ?? 32 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } },
        (err, stdout, stderr) => {
          if (err) reject(new Error(`${bin} ${args[0]}: ${String(stderr).trim().split('\n')[0] || err.message}`));
          else resolve(String(stdout));
        },
      );
    });
  }
}
