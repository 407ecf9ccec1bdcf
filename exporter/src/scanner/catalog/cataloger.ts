// The contract between the layer reader and the package catalogers. A cataloger declares which files it needs
// (capture rules, decided on tar headers while layers stream past) and, once all layers are read, turns the merged
// view into packages. Catalogers are created per scan, so they may keep per-scan state (layer history) in closures.
import type { InstalledPackage, OsInfo } from '../types.js';
import type { CaptureRule } from '../layers/read-layers.js';
import type { MergedFs } from '../layers/merged-fs.js';

export interface CatalogContext {
  fs: MergedFs;
  os: OsInfo | undefined;
  /** The digest that attributes a package to a layer (diff id when known, else blob digest). */
  layerDigest(index: number): string;
  /** Counts something that was skipped, by reason: malformed records, files too large, ... */
  skip(reason: string): void;
  /** Directory for the short-lived temporary files a reader may need (the rpm sqlite database). */
  tempDir: string;
}

export interface Cataloger {
  name: string;
  captures: CaptureRule[];
  catalog(ctx: CatalogContext): InstalledPackage[] | Promise<InstalledPackage[]>;
}

/**
 * Package databases (dpkg status, apk installed) are one file holding every package, rewritten by each layer that
 * installs something. To attribute a package to the layer that introduced its version, each layer's copy is parsed as
 * it streams past and the name@version keys are remembered per layer.
 */
export class DatabaseHistory {
  private readonly snapshots = new Map<string, { layer: number; keys: Set<string> }[]>();

  record(path: string, layer: number, keys: Iterable<string>): void {
    const list = this.snapshots.get(path) ?? [];
    list.push({ layer, keys: new Set(keys) });
    this.snapshots.set(path, list);
  }

  /** The lowest layer from which every later copy of `path` (up to `finalLayer`) lists `key`. */
  introducedIn(path: string, key: string, finalLayer: number): number {
    const list = (this.snapshots.get(path) ?? []).filter((s) => s.layer <= finalLayer).sort((a, b) => a.layer - b.layer);
    let layer = finalLayer;
    for (let i = list.length - 1; i >= 0; i--) {
      if (!list[i]!.keys.has(key)) break;
      layer = list[i]!.layer;
    }
    return layer;
  }
}

/** Reads "Key: value" style text safely: strips a UTF-8 BOM and tolerates CRLF. */
export function textOf(content: Buffer): string {
  const text = content.toString('utf8');
  return (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).replace(/\r\n/g, '\n');
}
