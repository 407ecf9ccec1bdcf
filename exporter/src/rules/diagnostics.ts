// What loading a rules file can report. Every message carries file:line:column so an author can jump to the
// spot; warnings do not stop loading, errors do (the caller decides whether to run with what loaded).

export interface Position {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
}

export type Severity = 'error' | 'warning';

export type DiagnosticCode =
  | 'yaml' // the file is not valid YAML
  | 'schema' // an item or key has the wrong shape or type
  | 'reference' // unknown macro or list, override of something undefined
  | 'duplicate' // a name defined twice where that is an error, or redefined (warning)
  | 'cycle' // macros that reference each other
  | 'syntax' // a condition or output that does not parse
  | 'operator' // an unknown operator, or one the field's type does not support
  | 'field' // an unknown field, or a value the field cannot take
  | 'skipped' // a rule that loads but will not run (unsupported field, other source, no capturable event)
  | 'unsupported' // something Vigil accepts but ignores (plugins, captures)
  | 'deprecated'
  | 'version'
  | 'performance'
  | 'io';

export interface RuleDiagnostic extends Position {
  severity: Severity;
  code: DiagnosticCode;
  message: string;
  /** The rule, macro or list the message is about, e.g. "rule 'Terminal shell in container'". */
  item?: string;
}

export function formatDiagnostic(d: RuleDiagnostic): string {
  return `${d.file}:${d.line}:${d.column}: ${d.severity}: ${d.message}${d.item ? ` (${d.item})` : ''}`;
}

/** Collects diagnostics; bounded, so a hostile file with a million errors cannot exhaust memory. */
export class Diagnostics {
  readonly list: RuleDiagnostic[] = [];
  private dropped = 0;

  constructor(private readonly max = 10_000) {}

  add(severity: Severity, code: DiagnosticCode, pos: Position, message: string, item?: string): void {
    if (this.list.length >= this.max) {
      this.dropped++;
      return;
    }
    this.list.push({ severity, code, file: pos.file, line: pos.line, column: pos.column, message, ...(item ? { item } : {}) });
  }

  error(code: DiagnosticCode, pos: Position, message: string, item?: string): void {
    this.add('error', code, pos, message, item);
  }

  warn(code: DiagnosticCode, pos: Position, message: string, item?: string): void {
    this.add('warning', code, pos, message, item);
  }

  get errors(): RuleDiagnostic[] {
    return this.list.filter((d) => d.severity === 'error');
  }

  get warnings(): RuleDiagnostic[] {
    return this.list.filter((d) => d.severity === 'warning');
  }

  get droppedCount(): number {
    return this.dropped;
  }
}

/** Thrown by parsers; carries the offset inside the text it parsed, mapped to a position by the caller. */
export class OffsetError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly code: DiagnosticCode = 'syntax',
  ) {
    super(message);
  }
}
