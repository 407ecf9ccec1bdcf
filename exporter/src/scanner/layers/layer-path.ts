// Normalizes tar entry names into the merged view's path space: relative, '/'-separated, no '.', no '..', no
// leading slash. Names that try to escape the root (or are absolute) are rejected, never re-rooted: a layer that
// does this is malformed or malicious and the entry is counted and skipped.

export type PathVerdict = { ok: true; path: string } | { ok: false; reason: 'path-absolute' | 'path-traversal' | 'path-too-long' | 'path-invalid' };

export function normalizeLayerPath(name: string, maxBytes: number): PathVerdict {
  if (name.includes('\0')) return { ok: false, reason: 'path-invalid' };
  if (Buffer.byteLength(name) > maxBytes) return { ok: false, reason: 'path-too-long' };
  let rest = name;
  // "./" and "." prefixes are what `tar -C dir .` writes; they are not absolute.
  while (rest.startsWith('./')) rest = rest.slice(2);
  if (rest.startsWith('/')) return { ok: false, reason: 'path-absolute' };
  const parts: string[] = [];
  for (const part of rest.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') return { ok: false, reason: 'path-traversal' };
    parts.push(part);
  }
  return { ok: true, path: parts.join('/') };
}

/** Resolves a link target (symlink text or hard link name) against the directory holding the link, clamped to the root. */
export function resolveLinkTarget(linkDir: string, target: string): string {
  const base = target.startsWith('/') ? [] : linkDir === '' ? [] : linkDir.split('/');
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    // A ".." at the root stays at the root, as the kernel does for "/..".
    if (part === '..') base.pop();
    else base.push(part);
  }
  return base.join('/');
}

export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
