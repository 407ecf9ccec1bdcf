// vigil_alerts_total with Kubernetes labels (a top complaint about Falco's rule-match metric is that it has
// none). Labels stay bounded: rule names come from the loaded rules, namespaces and workloads from the cluster's
// own objects — never pods, pids or container ids.

import { Counter, type Registry } from 'prom-client';
import type { Alert } from './types.js';

export const ALERT_LABELS = ['node', 'rule', 'priority', 'namespace', 'workload', 'container'] as const;

export class AlertMetrics {
  private readonly alerts: Counter<string>;
  private readonly folded: Counter<string>;

  constructor(registry: Registry, private readonly node: string) {
    this.alerts = new Counter({
      name: 'vigil_alerts_total',
      help: 'Alerts raised, by rule, priority and where (namespace, workload and container name; empty outside Kubernetes). Folded duplicates are counted too.',
      labelNames: [...ALERT_LABELS],
      registers: [registry],
    });
    this.folded = new Counter({
      name: 'vigil_alerts_deduplicated_total',
      help: 'Alerts folded into a summary by deduplication (they are in vigil_alerts_total as well).',
      labelNames: ['rule'],
      registers: [registry],
    });
  }

  /** Called for every alert that matched, before deduplication, so the counter is the true match count. */
  count(alert: Alert): void {
    this.alerts.inc({
      node: this.node,
      rule: alert.rule,
      priority: alert.priority,
      namespace: alert.k8s?.ns ?? '',
      workload: alert.k8s?.workload ?? '',
      container: alert.k8s?.container ?? alert.container?.name ?? (alert.container?.id === 'host' ? 'host' : ''),
    });
  }

  countFolded(rule: string, n: number): void {
    this.folded.inc({ rule }, n);
  }
}
