// Runtime security inside `vigil node`: every enriched event goes through the rules engine; each match becomes
// an alert (Falco's JSON plus Vigil's keys), is counted, may trigger a response and a flight-recorder capture,
// and is deduplicated before it reaches the sinks. The parts are handed in; this file only orders them.

import { randomUUID } from 'node:crypto';
import type { AlertMetrics } from '../alerts/alert-metrics.js';
import { AlertDeduplicator } from '../alerts/dedup.js';
import type { Alert, OutputFieldValue, Priority } from '../alerts/types.js';
import type { VigilEvent } from '../events/types.js';
import type { RuleEngine, RuleMatch } from '../rules/engine.js';

export interface AlertHooks {
  /** Before deduplication: responses and captures act on every match, not only the first of a flood. */
  onMatch?: (alert: Alert, match: RuleMatch) => void;
}

export interface SecurityOptions {
  engine: RuleEngine;
  metrics: AlertMetrics;
  dedupWindowMs: number;
  deliver: (alert: Alert) => void;
  hooks?: AlertHooks;
}

export class SecurityPipeline {
  private readonly dedup: AlertDeduplicator;
  readonly stats = { alerts: 0, renderErrors: 0 };

  constructor(private readonly opts: SecurityOptions) {
    this.dedup = new AlertDeduplicator({ windowMs: opts.dedupWindowMs, maxKeys: 10_000 }, (a) => {
      if (a.count > 1) opts.metrics.countFolded(a.rule, a.count);
      opts.deliver(a);
    });
  }

  onEvent(ev: VigilEvent): void {
    const matches = this.opts.engine.evaluate(ev);
    for (let i = 0; i < matches.length; i++) this.raise(matches[i]!, ev);
  }

  private raise(m: RuleMatch, ev: VigilEvent): void {
    let falco;
    try {
      falco = this.opts.engine.alert(m);
    } catch {
      // A template that cannot render must not lose the alert: send it with the rule's name as the output.
      this.stats.renderErrors++;
      falco = { time: ev.time, rule: m.rule.name, priority: m.rule.priority, output: m.rule.name, output_fields: {}, tags: [...m.rule.tags], hostname: ev.node ?? '', source: m.rule.source };
    }
    const alert: Alert = {
      time: falco.time,
      rule: falco.rule,
      priority: falco.priority as Priority,
      output: falco.output,
      output_fields: falco.output_fields as Record<string, OutputFieldValue>,
      tags: falco.tags,
      hostname: falco.hostname,
      source: falco.source,
      uuid: randomUUID(),
      ts: ev.ts,
      count: 1,
      ...(ev.container ? { container: ev.container } : {}),
      ...(ev.k8s ? { k8s: ev.k8s } : {}),
      event: ev,
    };
    this.stats.alerts++;
    this.opts.metrics.count(alert);
    this.opts.hooks?.onMatch?.(alert, m);
    this.dedup.push(alert);
  }

  /** Vigil's own alerts (event loss, response outcomes) skip the engine but not the sinks. */
  raiseInternal(alert: Alert): void {
    this.stats.alerts++;
    this.opts.metrics.count(alert);
    this.opts.deliver(alert);
  }

  flush(): void {
    this.dedup.flush();
  }
}
