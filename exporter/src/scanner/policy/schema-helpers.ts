// zod pieces shared by the policy file and the ignore file.
import { z } from 'zod';
import type { Severity } from '../types.js';
import { SEVERITIES } from './severity.js';

/** Severity names, case-insensitive in files ("high" and "HIGH" both work). */
export const severitySchema = z.preprocess(
  (v) => (typeof v === 'string' ? v.trim().toUpperCase() : v),
  z.enum(SEVERITIES as [Severity, ...Severity[]], { error: `expected one of ${SEVERITIES.join(', ')}` }),
);

/** A calendar date "YYYY-MM-DD" (YAML may already have turned it into a Date; both are accepted). */
export const dateSchema = z.preprocess(
  (v) => (v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString().slice(0, 10) : v),
  z
    .string({ error: 'expected a date YYYY-MM-DD' })
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')
    .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'not a real calendar date'),
);

/** A JavaScript regular expression given as a string, checked for syntax when the file is read. */
export const regexSchema = z
  .string()
  .max(1000)
  .refine((s) => {
    try {
      new RegExp(s, 'u');
      return true;
    } catch {
      return false;
    }
  }, 'not a valid regular expression');
