// Test support: the frame an instant Prometheus query with format "table" returns (Time, one column per label,
// `Value #<refId>`), as Grafana's Prometheus frontend shapes it.
import { FieldType, type DataFrame } from '@grafana/data';

export function instantTableFrame(refId: string, labels: Record<string, string>, value = 1): DataFrame {
  return {
    refId,
    length: 1,
    fields: [
      { name: 'Time', type: FieldType.time, config: {}, values: [1] },
      ...Object.entries(labels).map(([name, v]) => ({ name, type: FieldType.string, config: {}, values: [v] })),
      { name: `Value #${refId}`, type: FieldType.number, config: {}, values: [value] },
    ],
  } as DataFrame;
}
