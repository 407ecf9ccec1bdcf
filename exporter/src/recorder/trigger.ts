// The recorder's view of an alert. Kept apart from the recorder so that it depends on the alert type only here.

import type { Alert } from '../alerts/types.js';
import type { AlertTrigger } from './types.js';

/** The trigger for `FlightRecorder.onAlert`: container from the alert, else from its event, else "host". */
export function triggerFromAlert(alert: Alert): AlertTrigger {
  const container = alert.container ?? alert.event?.container;
  const k8s = alert.k8s ?? alert.event?.k8s;
  const t: AlertTrigger = {
    uuid: alert.uuid,
    ts: alert.ts,
    rule: alert.rule,
    priority: alert.priority,
    containerId: container?.id ?? 'host',
  };
  if (alert.event) t.pid = alert.event.proc.pid;
  if (container) t.container = container;
  if (k8s) t.k8s = k8s;
  return t;
}
