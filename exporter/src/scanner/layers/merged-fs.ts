// The merged view of an image's layers, as a container would see its root filesystem, built without extracting
// anything: a tree of path nodes that records, for every path, the kind of entry, the layer that last wrote it and,
// for the few files a cataloger asked for, their content (or a small value reduced from it).
import { basename, dirname, resolveLinkTarget } from './layer-path.js';

export type FsEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

export interface FsEntry {
  path: string;
  type: FsEntryType;
  size: number;
  mode: number;
  /** Index of the layer (0 = bottom) that last wrote this path. */
  layer: number;
  /** Symlink text, or for hard links the normalized path of the linked file. */
  linkTarget?: string;
  /** Content kept for a cataloger, when one asked for it. */
  content?: Buffer;
  /** Values that capture rules reduced the content to, by rule name (content itself is then not kept). */
  reduced?: Map<string, unknown>;
}

interface Node {
  entry: FsEntry;
  children?: Map<string, Node>;
}

/** How deep symlink resolution goes before calling it a loop; Linux gives up at 40 as well. */
export const MAX_SYMLINK_DEPTH = 40;

export type ResolveResult =
  | { ok: true; entry: FsEntry; path: string }
  | { ok: false; reason: 'not-found' | 'symlink-loop' };

export class MergedFs {
  private readonly root: Node = { entry: { path: '', type: 'dir', size: 0, mode: 0o755, layer: -1 }, children: new Map() };
  private count = 0;
  private captured = 0;

  /** Number of nodes in the view. */
  get size(): number {
    return this.count;
  }

  /** Bytes of content currently kept. */
  get capturedBytes(): number {
    return this.captured;
  }

  private lookupNode(path: string): Node | undefined {
    if (path === '') return this.root;
    let node: Node | undefined = this.root;
    for (const part of path.split('/')) {
      node = node.children?.get(part);
      if (node === undefined) return undefined;
    }
    return node;
  }

  /** The entry stored at exactly this path (no symlink following). */
  lstat(path: string): FsEntry | undefined {
    return path === '' ? undefined : this.lookupNode(path)?.entry;
  }

  /** Whiteout `.wh.NAME`: removes NAME and everything below it. Called before the layer's own entries are added. */
  remove(path: string): void {
    const parent = this.lookupNode(dirname(path));
    const name = basename(path);
    const victim = parent?.children?.get(name);
    if (victim === undefined) return;
    this.forget(victim);
    parent!.children!.delete(name);
  }

  /** Opaque directory marker: hides everything lower layers put in the directory; the directory itself stays. */
  makeOpaque(path: string): void {
    const node = this.lookupNode(path);
    if (node?.children === undefined) return;
    for (const child of node.children.values()) this.forget(child);
    node.children.clear();
  }

  private forget(node: Node): void {
    this.count--;
    if (node.entry.content !== undefined) this.captured -= node.entry.content.length;
    if (node.children) for (const child of node.children.values()) this.forget(child);
  }

  /**
   * Writes an entry. Missing parent directories are created (tars often omit them); a parent that is a file or a
   * symlink in a lower layer is replaced by a directory, as the paths in a layer are taken literally. A directory
   * written over a directory keeps its children (layers merge), anything else replaces the whole subtree.
   */
  put(entry: FsEntry): void {
    const parts = entry.path.split('/');
    let node = this.root;
    for (let i = 0; i < parts.length - 1; i++) {
      const part = parts[i]!;
      let child = node.children!.get(part);
      if (child === undefined || child.children === undefined) {
        if (child !== undefined) this.forget(child);
        child = {
          entry: { path: parts.slice(0, i + 1).join('/'), type: 'dir', size: 0, mode: 0o755, layer: entry.layer },
          children: new Map(),
        };
        node.children!.set(part, child);
        this.count++;
      }
      node = child;
    }
    const name = parts[parts.length - 1]!;
    const existing = node.children!.get(name);
    if (existing !== undefined && entry.type === 'dir' && existing.children !== undefined) {
      existing.entry = entry;
      return;
    }
    if (existing !== undefined) this.forget(existing);
    node.children!.set(name, entry.type === 'dir' ? { entry, children: new Map() } : { entry });
    this.count++;
    if (entry.content !== undefined) this.captured += entry.content.length;
  }

  /**
   * Follows symlinks (in every path component) and hard links, bounded by MAX_SYMLINK_DEPTH. Absolute targets
   * and `..` are resolved inside the image root, never against the host.
   */
  resolve(path: string): ResolveResult {
    let pending = path.split('/').filter((p) => p !== '' && p !== '.');
    const done: string[] = [];
    let hops = 0;
    let entry: FsEntry | undefined;
    while (pending.length > 0) {
      const part = pending.shift()!;
      if (part === '..') {
        done.pop();
        continue;
      }
      const candidate = [...done, part].join('/');
      entry = this.lstat(candidate);
      if (entry === undefined) return { ok: false, reason: 'not-found' };
      if (entry.type === 'symlink' || entry.type === 'hardlink') {
        if (++hops > MAX_SYMLINK_DEPTH) return { ok: false, reason: 'symlink-loop' };
        const target =
          entry.type === 'hardlink' ? entry.linkTarget ?? '' : resolveLinkTarget(done.join('/'), entry.linkTarget ?? '');
        pending = [...target.split('/').filter((p) => p !== '' && p !== '.'), ...pending];
        done.length = 0;
        entry = undefined;
        continue;
      }
      done.push(part);
    }
    if (entry === undefined) {
      const final = this.lstat(done.join('/'));
      if (final === undefined) return { ok: false, reason: 'not-found' };
      entry = final;
    }
    return { ok: true, entry, path: done.join('/') };
  }

  /** The content of a regular file after following links, when it was captured. */
  readFile(path: string): Buffer | undefined {
    const r = this.resolve(path);
    return r.ok && r.entry.type === 'file' ? r.entry.content : undefined;
  }

  /** Names directly inside a directory (after following links to it). */
  list(dir: string): string[] {
    const r = dir === '' ? { ok: true as const, path: '' } : this.resolve(dir);
    if (!r.ok) return [];
    const node = this.lookupNode(r.path);
    return node?.children ? [...node.children.keys()].sort() : [];
  }

  /** Every entry in the view, depth first, in sorted order (stable output for reports and tests). */
  *walk(): Generator<FsEntry> {
    const stack: Node[] = [this.root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node !== this.root) yield node.entry;
      if (node.children) {
        const names = [...node.children.keys()].sort().reverse();
        for (const name of names) stack.push(node.children.get(name)!);
      }
    }
  }

  /** Entries that hold captured content or reduced values: what catalogers iterate over. */
  *captures(): Generator<FsEntry> {
    for (const entry of this.walk()) if (entry.content !== undefined || entry.reduced !== undefined) yield entry;
  }
}
