// A capture's entries as individual log records, each naming its capture, for Loki's stream="activity": a
// dashboard can then show what a container did around an alert next to the alert itself, and link to the
// full capture by id. Stream labels (node, namespace, pod, container) come from the capture's container and
// k8s fields; the lead's Loki sink chooses them, this only shapes the lines.

import type { ActivityLine, CaptureDocument } from './types.js';

export function activityLines(capture: CaptureDocument): ActivityLine[] {
  const out: ActivityLine[] = new Array<ActivityLine>(capture.entries.length);
  for (let i = 0; i < capture.entries.length; i++) {
    out[i] = { capture_id: capture.id, alert_uuid: capture.alert.uuid, container_id: capture.container.id, ...capture.entries[i]! };
  }
  return out;
}
