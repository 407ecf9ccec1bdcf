// How a policy is declared: its id, defaults, the zod schema of its parameters and a pure check.
// Each rule lives in rules/<id>.ts; the registry (registry.ts) lists them and builds the policy-file schema.
import { z } from 'zod';
import type { Severity } from '../types.js';
import type { PolicyContext, PolicyInput } from './types.js';

export interface PolicyOutcome {
  violated: boolean;
  details: string[];
}

export interface PolicyDefinition<S extends z.ZodObject = z.ZodObject> {
  id: string;
  /** Title shown in reports; may depend on the parameters ("No CRITICAL or HIGH vulnerability ..."). */
  title: (params: z.output<S>) => string;
  defaultSeverity: Severity;
  /** Built-in policies are on unless disabled; optional ones are on only when listed in a policy file. */
  defaultEnabled: boolean;
  /** Parameters (a strict object) with their defaults; `{}` must parse for default-enabled policies. */
  params: S;
  check: (input: PolicyInput, params: z.output<S>, ctx: PolicyContext) => PolicyOutcome;
}

/** Keeps the parameter type of each definition while letting the registry hold them in one array. */
export function definePolicy<S extends z.ZodObject>(def: PolicyDefinition<S>): PolicyDefinition<S> {
  return def;
}
