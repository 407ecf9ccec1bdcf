// One way to configure every Vigil command: embedded defaults (in the zod schema), then a YAML file, then
// environment variables (<PREFIX>_<SECTION>_<KEY>, camelCase keys as SNAKE_CASE), then command-line flags.
// Errors name file:line:column for the file, or the variable or flag a bad value came from.

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { locate, parseYamlSource, type YamlSource } from './yaml-source.js';

type Plain = { [k: string]: unknown };

function setPath(target: Plain, path: readonly string[], value: unknown): void {
  let at = target;
  for (const key of path.slice(0, -1)) {
    const next = at[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) at[key] = {};
    at = at[key] as Plain;
  }
  at[path[path.length - 1]!] = value;
}

function deepMerge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = typeof v === 'object' && v !== null && !Array.isArray(v) && typeof b === 'object' && b !== null && !Array.isArray(b)
      ? deepMerge(b as Plain, v as Plain)
      : v;
  }
  return out;
}

function unwrapEffects(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  while (s instanceof z.ZodPipe) s = s.def.in as z.ZodType;
  return s;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s: z.ZodType = schema;
  while (s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodOptional) s = s.def.innerType as z.ZodType;
  return s;
}

export interface EnvKey {
  path: string[];
  /** A string or enum leaf takes the variable's text as it is: YAML would turn "0123" into a number. */
  raw: boolean;
}

/** PREFIX_SENSOR_OPEN_MODE -> ['sensor', 'openMode'], for every leaf of an object schema. */
export function envKeysOf(schema: z.ZodObject, prefix: string): Map<string, EnvKey> {
  const keys = new Map<string, EnvKey>();
  const walk = (shape: Record<string, z.ZodType>, path: string[]): void => {
    for (const [key, s] of Object.entries(shape)) {
      const inner = unwrap(s);
      if (inner instanceof z.ZodObject) walk(inner.shape as Record<string, z.ZodType>, [...path, key]);
      else {
        const leaf = unwrapEffects(inner);
        keys.set(`${prefix}_${[...path, key].map((p) => p.replace(/[A-Z]/g, (c) => `_${c}`)).join('_').toUpperCase()}`, {
          path: [...path, key],
          raw: leaf instanceof z.ZodString || leaf instanceof z.ZodEnum,
        });
      }
    }
  };
  walk(schema.shape as Record<string, z.ZodType>, []);
  return keys;
}

/** Environment values are YAML scalars: numbers, booleans and [a, b] lists read as such. */
function parseScalar(text: string): unknown {
  try {
    return parseYamlSource('env', text).doc.toJS();
  } catch {
    return text;
  }
}

export interface LayeredSources {
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Dotted overrides from flags, e.g. {"http.listen": "127.0.0.1:9711"}; undefined values are ignored. */
  flags?: Record<string, unknown>;
}

/** Merges the layers and validates them; throws `makeError(message)` with every problem, one per line. */
export function loadLayered<S extends z.ZodObject>(
  schema: S,
  envKeys: ReadonlyMap<string, EnvKey>,
  sources: LayeredSources,
  makeError: (message: string) => Error,
): z.infer<S> {
  let merged: Plain = {};
  let src: YamlSource | undefined;
  if (sources.file) {
    let text: string;
    try {
      text = readFileSync(sources.file, 'utf8');
    } catch (err) {
      throw makeError(`${sources.file}: cannot read: ${(err as Error).message}`);
    }
    try {
      src = parseYamlSource(sources.file, text);
    } catch (err) {
      throw makeError((err as Error).message);
    }
    const js: unknown = src.doc.toJS({ maxAliasCount: 100 });
    if (js !== null && js !== undefined) {
      if (typeof js !== 'object' || Array.isArray(js)) throw makeError(`${sources.file}:1:1: the configuration must be a mapping`);
      merged = js as Plain;
    }
  }
  const origin = new Map<string, string>();
  for (const [name, { path, raw }] of envKeys) {
    const value = sources.env?.[name];
    if (value === undefined) continue;
    const over: Plain = {};
    setPath(over, path, raw ? value : parseScalar(value));
    merged = deepMerge(merged, over);
    origin.set(path.join('.'), `environment variable ${name}`);
  }
  for (const [dotted, value] of Object.entries(sources.flags ?? {})) {
    if (value === undefined) continue;
    const over: Plain = {};
    setPath(over, dotted.split('.'), value);
    merged = deepMerge(merged, over);
    origin.set(dotted, `flag for ${dotted}`);
  }
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const msgs = parsed.error.issues.map((issue) => {
      const dotted = issue.path.join('.');
      const from = [...origin.entries()].find(([k]) => dotted === k || dotted.startsWith(`${k}.`))?.[1];
      const where = from ?? (src ? locate(src, issue.path) : 'configuration');
      return `${where}: ${dotted || '(root)'}: ${issue.message}`;
    });
    throw makeError(msgs.join('\n'));
  }
  return parsed.data;
}
