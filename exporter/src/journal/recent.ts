// A fixed-size ring of the most recent records, newest last, for the HTTP API's "recent events" queries.

export class RecentRing<T> {
  private readonly items: (T | undefined)[];
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** Newest-last matches, at most `limit`, scanning from the newest backwards. */
  query(keep: (item: T) => boolean, limit: number): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.size && out.length < limit; i++) {
      const idx = (this.next - 1 - i + this.capacity) % this.capacity;
      const item = this.items[idx] as T;
      if (keep(item)) out.push(item);
    }
    return out.reverse();
  }

  get length(): number {
    return this.size;
  }
}
