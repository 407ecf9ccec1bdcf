// Display names for containers, the same on every page. Containers outside Kubernetes have no namespace or pod;
// a fixed `{{namespace}}/{{pod}}/{{container}}` legend made them `//name`. Pure: no React, no runtime.
import { FieldType, type DataFrame } from '@grafana/data';

export interface ContainerNameParts {
  namespace?: string;
  pod?: string;
  container?: string;
  node?: string;
}

/** `ns/pod/container` with the empty parts left out; the node in parentheses when known: `app (node vm)`. */
export function containerDisplayName(p: ContainerNameParts): string {
  const path = [p.namespace, p.pod, p.container].filter((s): s is string => typeof s === 'string' && s !== '').join('/');
  const name = path || 'unnamed container';
  return p.node ? `${name} (node ${p.node})` : name;
}

/**
 * Names every numeric field that carries container labels (Prometheus series frames) with containerDisplayName,
 * as the data source's own name (`displayNameFromDS`) so a panel's explicit displayName still wins. O(fields);
 * frames without those labels pass through unchanged.
 */
export function withContainerDisplayNames(frames: DataFrame[]): DataFrame[] {
  return frames.map((frame) => {
    let changed = false;
    const fields = frame.fields.map((field) => {
      const l = field.labels;
      if (field.type !== FieldType.number || !l || (l.container === undefined && l.pod === undefined)) return field;
      changed = true;
      return { ...field, config: { ...field.config, displayNameFromDS: containerDisplayName(l) } };
    });
    return changed ? { ...frame, fields } : frame;
  });
}
