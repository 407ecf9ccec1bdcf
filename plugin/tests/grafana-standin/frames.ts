// Grafana's data frame wire JSON (the body of /api/ds/query results; @grafana/data DataFrameJSON, written by the
// Go SDK's data.FrameToJSON): {schema:{refId, name, meta, fields:[{name, type, typeInfo:{frame}, labels, config}]},
// data:{values:[[column], ...], entities:[{NaN,Inf,NegInf} | null]}}. Times are epoch milliseconds; NaN and ±Inf
// are null in `values` with their row index listed in `entities`.

export type WireFieldType = 'time' | 'number' | 'string' | 'other';

export interface WireField {
  name: string;
  type: WireFieldType;
  typeInfo: { frame: string; nullable?: boolean };
  labels?: Record<string, string>;
  config?: Record<string, unknown>;
}

export interface WireFrame {
  schema: { refId: string; name?: string; meta?: Record<string, unknown>; fields: WireField[] };
  data: { values: unknown[][]; entities?: ({ NaN?: number[]; Inf?: number[]; NegInf?: number[] } | null)[] };
}

const GO_TYPE: Record<WireFieldType, string> = { time: 'time.Time', number: 'float64', string: 'string', other: 'json.RawMessage' };

export function field(name: string, type: WireFieldType, extra: Partial<WireField> = {}): WireField {
  return { name, type, typeInfo: { frame: GO_TYPE[type] }, ...extra };
}

/** Builds a frame; number columns get NaN/Inf moved into entities. */
export function frame(refId: string, fields: WireField[], values: unknown[][], meta?: Record<string, unknown>, name?: string): WireFrame {
  const entities: WireFrame['data']['entities'] = [];
  let any = false;
  const out = values.map((col, i) => {
    if (fields[i]?.type !== 'number') {
      entities.push(null);
      return col;
    }
    const e: { NaN?: number[]; Inf?: number[]; NegInf?: number[] } = {};
    const cleaned = col.map((v, row) => {
      if (typeof v !== 'number' || Number.isFinite(v)) return v;
      const key = Number.isNaN(v) ? 'NaN' : v > 0 ? 'Inf' : 'NegInf';
      (e[key] ??= []).push(row);
      any = true;
      return null;
    });
    entities.push(Object.keys(e).length > 0 ? e : null);
    return cleaned;
  });
  return {
    schema: { refId, ...(name !== undefined ? { name } : {}), ...(meta ? { meta } : {}), fields },
    data: { values: out, ...(any ? { entities } : {}) },
  };
}

/** Prometheus-style sample value: "NaN", "+Inf", "-Inf" or a decimal. */
export function sampleValue(s: string): number {
  if (s === 'NaN') return NaN;
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  return Number(s);
}

/** Grafana's legendFormat: {{label}} replaced by the label's value (pkg/promlib/models/result.go). */
export function legendName(legendFormat: string | undefined, labels: Record<string, string>): string | undefined {
  if (!legendFormat || legendFormat === '__auto') return undefined;
  return legendFormat.replace(/\{\{\s*(.+?)\s*\}\}/g, (_m, name: string) => labels[name] ?? '');
}
