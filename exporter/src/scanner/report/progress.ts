// Progress for `vigil scan`: bytes pulled and scanned per layer. On a terminal one status line is redrawn in place
// (with a spinner, at most every `minIntervalMs`); anywhere else (CI logs, files) plain lines are appended: a line
// when a layer starts, at each quarter of its size and when it is done, never a spinner or carriage return.
// Progress goes to stderr in the CLI so that stdout stays a clean report.
import { cleanText } from '../policy/text.js';
import { shortDigest } from './order.js';

export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Milliseconds clock; injectable for tests. */
  clock?: () => number;
  /** Minimum time between redraws on a terminal. Default 100 ms. */
  minIntervalMs?: number;
  /** Force terminal mode on or off (default: stream.isTTY). */
  tty?: boolean;
}

interface LayerState {
  digest: string;
  size: number;
  pulled: number;
  scanned: number;
  /** Quarter steps already logged in plain mode */
  logged: number;
  done: boolean;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '?';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

export class ScanProgress {
  private readonly stream: ProgressStream;
  private readonly tty: boolean;
  private readonly clock: () => number;
  private readonly minInterval: number;
  private readonly layers = new Map<string, LayerState>();
  private lastDraw = Number.NEGATIVE_INFINITY;
  private frame = 0;
  private statusShown = false;

  constructor(stream: ProgressStream, options: ProgressOptions = {}) {
    this.stream = stream;
    this.tty = options.tty ?? stream.isTTY === true;
    this.clock = options.clock ?? Date.now;
    this.minInterval = options.minIntervalMs ?? 100;
  }

  /** A step without byte counts ("resolving nginx:1.25", "matching 412 packages"). */
  phase(text: string): void {
    this.println(cleanText(text, 300));
  }

  layerStart(digest: string, size: number): void {
    const st: LayerState = { digest, size: Math.max(0, size), pulled: 0, scanned: 0, logged: 0, done: false };
    this.layers.set(digest, st);
    if (!this.tty) this.println(`layer ${shortDigest(digest)}: ${formatBytes(st.size)}`);
    else this.redraw(true);
  }

  /** Cumulative byte counts for a layer; either may be left out. */
  layerProgress(digest: string, bytes: { pulled?: number; scanned?: number }): void {
    const st = this.layers.get(digest);
    if (!st || st.done) return;
    if (bytes.pulled !== undefined && bytes.pulled >= st.pulled) st.pulled = bytes.pulled;
    if (bytes.scanned !== undefined && bytes.scanned >= st.scanned) st.scanned = bytes.scanned;
    if (this.tty) {
      this.redraw(false);
      return;
    }
    if (st.size <= 0) return;
    const quarter = Math.min(3, Math.floor((Math.max(st.pulled, st.scanned) / st.size) * 4));
    if (quarter > st.logged) {
      st.logged = quarter;
      this.println(`layer ${shortDigest(digest)}: ${quarter * 25}% (pulled ${formatBytes(st.pulled)}, scanned ${formatBytes(st.scanned)} of ${formatBytes(st.size)})`);
    }
  }

  layerDone(digest: string): void {
    const st = this.layers.get(digest);
    if (!st || st.done) return;
    st.done = true;
    this.println(`layer ${shortDigest(digest)}: done (pulled ${formatBytes(st.pulled)}, scanned ${formatBytes(st.scanned)})`);
  }

  /** Clears the status line (terminal) and prints a closing line when given. */
  done(text?: string): void {
    this.clearStatus();
    if (text) this.println(cleanText(text, 300));
  }

  private println(line: string): void {
    this.clearStatus();
    this.stream.write(`${line}\n`);
    if (this.tty) this.redraw(true);
  }

  private clearStatus(): void {
    if (this.tty && this.statusShown) {
      this.stream.write('\r\u001b[2K');
      this.statusShown = false;
    }
  }

  private redraw(force: boolean): void {
    const now = this.clock();
    if (!force && now - this.lastDraw < this.minInterval) return;
    const active = [...this.layers.values()].filter((l) => !l.done);
    if (active.length === 0) return;
    this.lastDraw = now;
    const all = [...this.layers.values()];
    const total = all.reduce((n, l) => n + l.size, 0);
    const pulled = all.reduce((n, l) => n + (l.done ? Math.max(l.pulled, l.size) : l.pulled), 0);
    const scanned = all.reduce((n, l) => n + l.scanned, 0);
    const current = active[active.length - 1];
    const spin = SPINNER[this.frame++ % SPINNER.length] ?? '';
    let line = `${spin} ${all.length - active.length}/${all.length} layers  pulled ${formatBytes(pulled)} of ${formatBytes(total)}  scanned ${formatBytes(scanned)}  ${current ? shortDigest(current.digest) : ''}`;
    const width = typeof this.stream.columns === 'number' && this.stream.columns > 10 ? this.stream.columns - 1 : 100;
    line = cleanText(line, width);
    this.stream.write(`\r\u001b[2K${line}`);
    this.statusShown = true;
  }
}
