// Driving the cgroup freezer of one (already vetted) directory and waiting until the kernel says it is settled.
//   v1: freezer.state  <- FROZEN | THAWED; reads FREEZING while tasks are still being stopped
//   v2: cgroup.freeze  <- 1 | 0; cgroup.events says "frozen 1" once every task is stopped
// A write only starts the transition: "done" is reported only once the state file agrees.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type FreezerKind = 'v1' | 'v2';
export type FreezerState = 'frozen' | 'thawed' | 'freezing' | 'unknown';

const POLL_MS = 10;
const MAX_STATE_BYTES = 4096;

async function readState(kind: FreezerKind, dir: string): Promise<FreezerState> {
  try {
    if (kind === 'v1') {
      const s = (await readFile(join(dir, 'freezer.state'), 'utf8')).slice(0, MAX_STATE_BYTES).trim();
      return s === 'FROZEN' ? 'frozen' : s === 'THAWED' ? 'thawed' : s === 'FREEZING' ? 'freezing' : 'unknown';
    }
    const events = (await readFile(join(dir, 'cgroup.events'), 'utf8')).slice(0, MAX_STATE_BYTES);
    const frozen = /^frozen ([01])$/m.exec(events)?.[1];
    if (frozen === '1') return 'frozen';
    const wanted = (await readFile(join(dir, 'cgroup.freeze'), 'utf8')).trim();
    if (frozen === '0') return wanted === '1' ? 'freezing' : 'thawed';
    return 'unknown';
  } catch {
    return 'unknown';
  }
}

export function freezerState(kind: FreezerKind, dir: string): Promise<FreezerState> {
  return readState(kind, dir);
}

async function settle(kind: FreezerKind, dir: string, want: 'frozen' | 'thawed', timeoutMs: number): Promise<FreezerState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await readState(kind, dir);
    if (s === want || Date.now() >= deadline) return s;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export interface FreezerResult {
  ok: boolean;
  state: FreezerState;
  ms: number;
  error?: string;
}

async function transition(kind: FreezerKind, dir: string, want: 'frozen' | 'thawed', timeoutMs: number): Promise<FreezerResult> {
  const t0 = Date.now();
  const file = kind === 'v1' ? 'freezer.state' : 'cgroup.freeze';
  const value = kind === 'v1' ? (want === 'frozen' ? 'FROZEN' : 'THAWED') : want === 'frozen' ? '1' : '0';
  try {
    await writeFile(join(dir, file), value);
  } catch (err) {
    return { ok: false, state: await readState(kind, dir), ms: Date.now() - t0, error: `writing ${value} to ${join(dir, file)}: ${(err as Error).message}` };
  }
  const state = await settle(kind, dir, want, timeoutMs);
  return { ok: state === want, state, ms: Date.now() - t0 };
}

export function freeze(kind: FreezerKind, dir: string, timeoutMs: number): Promise<FreezerResult> {
  return transition(kind, dir, 'frozen', timeoutMs);
}

export function thaw(kind: FreezerKind, dir: string, timeoutMs: number): Promise<FreezerResult> {
  return transition(kind, dir, 'thawed', timeoutMs);
}
