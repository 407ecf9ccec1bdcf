// A least-recently-used map bounded by both entry count and (estimated) bytes. The scanner keeps catalogued images
// and assessments in these: a node may see thousands of images, and memory must not grow with them.
export class BoundedCache<K, V> {
  private readonly map = new Map<K, { value: V; bytes: number }>();
  private total = 0;
  evictions = 0;

  constructor(readonly maxEntries: number, readonly maxBytes: number) {
    if (!(maxEntries >= 1) || !(maxBytes >= 1)) throw new RangeError('cache bounds must be positive');
  }

  get size(): number {
    return this.map.size;
  }

  get bytes(): number {
    return this.total;
  }

  get(key: K): V | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    this.map.delete(key);
    this.map.set(key, hit);
    return hit.value;
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  /** Inserts or replaces; a value larger than the whole byte bound is not kept at all. Returns whether it was kept. */
  set(key: K, value: V, bytes: number): boolean {
    this.delete(key);
    const size = Math.max(1, Math.ceil(bytes));
    if (size > this.maxBytes) return false;
    this.map.set(key, { value, bytes: size });
    this.total += size;
    while (this.map.size > this.maxEntries || this.total > this.maxBytes) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
      this.evictions++;
    }
    return true;
  }

  delete(key: K): boolean {
    const hit = this.map.get(key);
    if (!hit) return false;
    this.map.delete(key);
    this.total -= hit.bytes;
    return true;
  }

  keys(): IterableIterator<K> {
    return this.map.keys();
  }

  clear(): void {
    this.map.clear();
    this.total = 0;
  }
}
