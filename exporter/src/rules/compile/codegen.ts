// IR -> closures. Each check becomes one function that extracts its field, applies transformers and runs the
// comparator built at load time; and/or/not compose them with short-circuiting. No rule text is evaluated.

import type { EvalContext } from '../fields/context.js';
import type { Scalar } from '../fields/table.js';
import type { BoundOperand, Check, IR } from './ir.js';
import { applyTransform, constantTest, dynamicTest } from './operators.js';

export type Pred = (c: EvalContext) => boolean;
type Get1 = (c: EvalContext) => Scalar | undefined;
type GetN = (c: EvalContext) => readonly Scalar[] | undefined;

export function generate(ir: IR): Pred {
  switch (ir.k) {
    case 'const': {
      const v = ir.v;
      return () => v;
    }
    case 'bucket':
      throw new Error('internal: evt.type checks are folded before code generation');
    case 'not': {
      const f = generate(ir.c);
      return (c) => !f(c);
    }
    case 'and': {
      const fs = ir.c.map(generate);
      if (fs.length === 2) {
        const [a, b] = fs as [Pred, Pred];
        return (c) => a(c) && b(c);
      }
      if (fs.length === 3) {
        const [a, b, d] = fs as [Pred, Pred, Pred];
        return (c) => a(c) && b(c) && d(c);
      }
      return (c) => {
        for (let i = 0; i < fs.length; i++) if (!fs[i]!(c)) return false;
        return true;
      };
    }
    case 'or': {
      const fs = ir.c.map(generate);
      if (fs.length === 2) {
        const [a, b] = fs as [Pred, Pred];
        return (c) => a(c) || b(c);
      }
      return (c) => {
        for (let i = 0; i < fs.length; i++) if (fs[i]!(c)) return true;
        return false;
      };
    }
    case 'check':
      return checkPred(ir.check);
  }
}

/** The getter of an operand, transformers applied. */
export function single(o: BoundOperand): Get1 {
  const get = o.field.get as Get1;
  if (o.transforms.length === 0) return get;
  const ts = o.transforms;
  return (c) => {
    let v = get(c);
    for (let i = 0; i < ts.length && v !== undefined; i++) v = applyTransform(ts[i]!, v);
    return v;
  };
}

function multiple(o: BoundOperand): GetN {
  const get = o.field.get as GetN;
  if (o.transforms.length === 0) return get;
  const ts = o.transforms;
  return (c) => {
    const vs = get(c);
    if (!vs) return vs;
    const out: Scalar[] = [];
    for (const x of vs) {
      let v: Scalar | undefined = x;
      for (let i = 0; i < ts.length && v !== undefined; i++) v = applyTransform(ts[i]!, v);
      if (v !== undefined) out.push(v);
    }
    return out;
  };
}

function checkPred(ch: Check): Pred {
  const { lhs, op, rhs } = ch;
  if (op === 'exists') {
    if (lhs.multi === 'one') {
      const g = single(lhs);
      return (c) => g(c) !== undefined;
    }
    const g = multiple(lhs);
    return (c) => (g(c)?.length ?? 0) > 0;
  }
  if (!rhs) throw new Error('internal: a comparison without a right-hand side');
  if (rhs.kind === 'const') {
    const t = constantTest(lhs.type, op, rhs.values);
    if (t instanceof Error) throw t; // validated when the IR was built
    if (lhs.multi === 'one') {
      const g = single(lhs);
      // = and in against constants need no separate test call: a missing value equals no constant.
      const isNet = lhs.type === 'ip' || lhs.type === 'ipnet';
      if (!isNet && (op === '=' || ((op === 'in' || op === 'intersects') && rhs.values.length === 1))) {
        const k = rhs.values[0];
        return (c) => g(c) === k;
      }
      if (!isNet && (op === 'in' || op === 'intersects') && rhs.values.length > 1) {
        const set = new Set(rhs.values as Scalar[]);
        return (c) => {
          const v = g(c);
          return v !== undefined && set.has(v);
        };
      }
      return (c) => {
        const v = g(c);
        return v !== undefined && t(v);
      };
    }
    const g = multiple(lhs);
    if (lhs.multi === 'either' && op === '!=') {
      // fd.ip != X: neither the client nor the server address is X.
      return (c) => {
        const vs = g(c);
        if (!vs || vs.length === 0) return false;
        for (const v of vs) if (!t(v)) return false;
        return true;
      };
    }
    return (c) => {
      const vs = g(c);
      if (!vs) return false;
      for (const v of vs) if (t(v)) return true;
      return false;
    };
  }
  const dt = dynamicTest(lhs.type, op);
  if (dt instanceof Error) throw dt;
  const r = single(rhs.operand);
  if (lhs.multi === 'one') {
    const g = single(lhs);
    return (c) => {
      const v = g(c);
      if (v === undefined) return false;
      const w = r(c);
      return w !== undefined && dt(v, w);
    };
  }
  const g = multiple(lhs);
  return (c) => {
    const vs = g(c);
    const w = r(c);
    if (!vs || w === undefined) return false;
    for (const v of vs) if (dt(v, w)) return true;
    return false;
  };
}
