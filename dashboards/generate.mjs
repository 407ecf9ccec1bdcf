#!/usr/bin/env node
// Writes the five Vigil dashboards (dashboards/*.json) from the definitions below: `node dashboards/generate.mjs`.
// The JSON files are what Grafana, the app plugin build and the provisioning read; a test
// (exporter/test/dashboards/dashboards-valid.test.ts) checks they are exactly what this script writes, so edit
// here and regenerate. Only metrics of docs/metrics.md and the Loki contract of docs/loki.md are queried; the
// few panels that need node-exporter or kube-state-metrics say so at the start of their description.

import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  APP, bargauge, customVar, dashboard, datasourceVar, logs, loki, lokiInstant, lokiLabelVar, lokiVar, piechart, priorityOverrides,
  prom, promInstant, promLabelVar, promStat, row, severityOverrides, stat, table, textVar, timeseries,
} from './lib.mjs';

// The alert priorities (exporter/src/alerts/types.ts PRIORITIES; the test compares the two).
const PRIORITIES = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'];

// ---------------------------------------------------------------------------------------------------------------
// Shared selectors, variables and links

const RI = '$__rate_interval';
const sel = (...parts) => parts.filter(Boolean).join(', ');
const NODE = 'node=~"$node"';
const NS = 'namespace=~"$namespace"';
const POD = 'pod=~"$pod"';
const CT = 'container=~"$container"';
const INST = 'instance=~"$instance"';

const nodeVar = () => promLabelVar('node', 'Node', 'vigil_container_cpu_usage_seconds_total');
/** The Prometheus targets (instance) of the selected nodes: Vigil's health families carry no node label. */
const instanceVar = () => {
  const v = promLabelVar('instance', 'Instance', `vigil_container_cpu_usage_seconds_total{${NODE}}`, { hide: 2 });
  // "All" expands to the instances of the selected nodes (not `.*`), so the health panels follow $node.
  delete v.allValue;
  return v;
};
const namespaceVar = () => promLabelVar('namespace', 'Namespace', `vigil_container_info{${NODE}}`);
const podVar = () => promLabelVar('pod', 'Pod', `vigil_container_info{${sel(NODE, NS)}}`);

const timeRange = '${__url_time_range}';
const dsParam = 'var-datasource=${datasource}';
/** Data link to the app's container inspect page (the page reads these four URL parameters). */
const inspectLink = (f = (l) => `\${__field.labels.${l}}`) => ({
  title: 'Inspect container in the Vigil app',
  url: `${APP}/inspect?var-namespace=${f('namespace')}&var-pod=${f('pod')}&var-container=${f('container')}&var-node=${f('node')}&${timeRange}`,
});
const workloadLink = (f = (l) => `\${__field.labels.${l}}`) => ({
  title: 'Workload / Pod dashboard',
  url: `/d/vigil-workload/vigil-workload?${dsParam}&var-node=${f('node')}&var-namespace=${f('namespace')}&var-pod=${f('pod')}&var-container=${f('container')}&${timeRange}`,
});
const dashLink = (uid, title, params = '') => ({ title, url: `/d/${uid}/${uid}?${dsParam}${params}&${timeRange}` });
const imageScanLink = (field) => ({ title: 'Scan result in the Vigil app', url: `${APP}/image-scans/${field}` });
const dataField = (l) => `\${__data.fields.${l}}`;

const legendContainer = '{{namespace}}/{{pod}}/{{container}}';
const negativeY = (regex) => ({ matcher: { id: 'byRegexp', options: regex }, properties: [{ id: 'custom.transform', value: 'negative-Y' }] });
const dashed = (regex) => ({
  matcher: { id: 'byRegexp', options: regex },
  properties: [{ id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } }, { id: 'custom.fillOpacity', value: 0 }, { id: 'color', value: { mode: 'fixed', fixedColor: 'red' } }],
});
const thresholds = (...steps) => ({ mode: 'absolute', steps: steps.map(([color, value]) => ({ color, value })) });
const upMapping = [{ type: 'value', options: { 0: { text: 'Down', color: 'red', index: 0 }, 1: { text: 'Running', color: 'green', index: 1 } } }];
const DAY = 86400;
const dbAgeThresholds = thresholds(['green', null], ['yellow', 2 * DAY], ['red', 7 * DAY]);
const renameValues = (names) => ({ id: 'organize', options: { excludeByName: { Time: true }, renameByName: Object.fromEntries(names.map((n, i) => [`Value #${String.fromCharCode(65 + i)}`, n])) } });

// ---------------------------------------------------------------------------------------------------------------
// Cluster overview

function clusterOverview() {
  const C = sel(NODE, NS, POD);
  return dashboard({
    uid: 'vigil-cluster-overview',
    title: 'Vigil / Cluster overview',
    description: 'Every node Vigil runs on: container resources, runtime alerts, image vulnerabilities and Vigil\'s own health.',
    tags: ['overview'],
    variables: [datasourceVar(), lokiVar(), nodeVar(), instanceVar(), namespaceVar(), podVar()],
    items: [
      row('At a glance'),
      stat('Nodes', 'Nodes with a running vigil node (they report container CPU).', [promStat(`count(count by (node) (vigil_container_cpu_usage_seconds_total{${NODE}}))`)], { links: [dashLink('vigil-node', 'Node dashboard')] }),
      stat('Containers', 'Containers Vigil monitors (one vigil_container_info series each).', [promStat(`count(vigil_container_info{${C}})`)]),
      stat('Sensors running', 'vigil node instances whose eBPF loader is running.', [promStat(`sum(vigil_sensor_loader_up{${INST}})`)], { thresholds: thresholds(['red', null], ['green', 1]) }),
      stat('Alerts in range', 'Runtime alerts raised in the selected time range (vigil_alerts_total).', [promStat(`sum(increase(vigil_alerts_total{${sel(NODE, NS)}}[$__range]))`)], {
        thresholds: thresholds(['green', null], ['orange', 1]), links: [dashLink('vigil-runtime-security', 'Runtime security dashboard')],
      }),
      stat('Critical findings', 'Unsuppressed CRITICAL findings in the images in use.', [promStat('sum(vigil_image_vulnerabilities{severity="CRITICAL"})')], {
        thresholds: thresholds(['green', null], ['dark-red', 1]), links: [dashLink('vigil-vulnerabilities', 'Vulnerabilities dashboard')],
      }),
      stat('Vulnerability DB age', 'Age of the newest record in the scanner\'s vulnerability database.', [promStat('max(vigil_vulndb_age_seconds)')], { unit: 's', thresholds: dbAgeThresholds }),

      row('Resources'),
      timeseries('CPU by node (cores)', 'CPU time of all containers and host processes per node.', [prom(`sum by (node) (rate(vigil_container_cpu_usage_seconds_total{${C}}[${RI}]))`, '{{node}}')], {
        w: 8, links: [dashLink('vigil-node', 'Node dashboard', '&var-node=${__field.labels.node}')],
      }),
      timeseries('Memory working set by node', 'Working set (usage minus inactive file cache) per node.', [prom(`sum by (node) (vigil_container_memory_working_set_bytes{${C}})`, '{{node}}')], { w: 8, unit: 'bytes' }),
      timeseries('Network by node', 'Socket bytes received (up) and sent (down), from eBPF.', [
        prom(`sum by (node) (rate(vigil_container_network_receive_bytes_total{${C}}[${RI}]))`, '{{node}} receive'),
        prom(`sum by (node) (rate(vigil_container_network_transmit_bytes_total{${C}}[${RI}]))`, '{{node}} transmit'),
      ], { w: 8, unit: 'Bps', overrides: [negativeY('.*transmit')] }),
      timeseries('Top 10 containers by CPU (cores)', 'Host processes are left out.', [
        prom(`topk(10, sum by (node, namespace, pod, container) (rate(vigil_container_cpu_usage_seconds_total{${C}, container!="host"}[${RI}])))`, legendContainer),
      ], { links: [inspectLink(), workloadLink()] }),
      timeseries('Top 10 containers by memory working set', 'Host processes are left out.', [
        prom(`topk(10, sum by (node, namespace, pod, container) (vigil_container_memory_working_set_bytes{${C}, container!="host"}))`, legendContainer),
      ], { unit: 'bytes', links: [inspectLink(), workloadLink()] }),
      timeseries('Disk I/O by node', 'Block device bytes read (up) and written (down).', [
        prom(`sum by (node) (rate(vigil_container_fs_read_bytes_total{${C}}[${RI}]))`, '{{node}} read'),
        prom(`sum by (node) (rate(vigil_container_fs_write_bytes_total{${C}}[${RI}]))`, '{{node}} write'),
      ], { w: 8, unit: 'Bps', overrides: [negativeY('.*write')] }),
      timeseries('Top 10 CPU-throttled containers', 'Share of CFS periods in which the container was throttled (containers with a CPU limit only).', [
        prom(`topk(10, sum by (node, namespace, pod, container) (rate(vigil_container_cpu_cfs_throttled_periods_total{${C}}[${RI}])) / (sum by (node, namespace, pod, container) (rate(vigil_container_cpu_cfs_periods_total{${C}}[${RI}])) > 0))`, legendContainer),
      ], { w: 8, unit: 'percentunit', min: 0, links: [inspectLink(), workloadLink()] }),
      timeseries('Top 10 containers by memory / limit', 'Working set as a share of the memory limit (containers with a limit only).', [
        prom(`topk(10, sum by (node, namespace, pod, container) (vigil_container_memory_working_set_bytes{${C}}) / sum by (node, namespace, pod, container) (vigil_container_memory_limit_bytes{${C}}))`, legendContainer),
      ], { w: 8, unit: 'percentunit', min: 0, links: [inspectLink(), workloadLink()] }),
      table('OOM kills in range', 'Containers with processes killed by the OOM killer in the selected range.', [
        promInstant(`sum by (node, namespace, pod, container) (increase(vigil_container_oom_kills_total{${C}}[$__range])) > 0`),
      ], { w: 24, h: 6, links: [{ ...inspectLink(dataField), title: 'Inspect container in the Vigil app' }] }),

      row('Security'),
      timeseries('Alerts by priority', 'Runtime alerts per priority (vigil_alerts_total, folded duplicates included).', [
        prom(`sum by (priority) (increase(vigil_alerts_total{${sel(NODE, NS)}}[${RI}]))`, '{{priority}}'),
      ], { stack: true, overrides: priorityOverrides(), links: [dashLink('vigil-runtime-security', 'Runtime security dashboard')] }),
      bargauge('Top 10 rules in range', 'Rules that raised the most alerts in the selected range.', [
        promStat(`topk(10, sum by (rule) (increase(vigil_alerts_total{${sel(NODE, NS)}}[$__range])))`, '{{rule}}'),
      ], { w: 12 }),
      piechart('Findings by severity', 'Unsuppressed findings in all images in use.', [promStat('sum by (severity) (vigil_image_vulnerabilities)', '{{severity}}')], { overrides: severityOverrides() }),
      bargauge('Top 10 images by critical + high findings', 'Images in use with the most CRITICAL and HIGH findings.', [
        promStat('topk(10, sum by (image) (vigil_image_vulnerabilities{severity=~"CRITICAL|HIGH"}))', '{{image}}'),
      ], { links: [imageScanLink('${__field.labels.image:percentencode}')], thresholds: thresholds(['orange', null], ['dark-red', 10]) }),
      stat('Policy violations', 'Image/policy pairs that fail (vigil_image_policy_violations = 1).', [promStat('sum(vigil_image_policy_violations)')], {
        w: 8, h: 8, thresholds: thresholds(['green', null], ['red', 1]), links: [dashLink('vigil-vulnerabilities', 'Vulnerabilities dashboard')],
      }),
      logs('Latest high-priority alerts', 'Alerts of priority Error and above from Loki.', [
        loki(`{job="vigil", stream="alert", ${sel(NODE, NS, POD)}, priority=~"Emergency|Alert|Critical|Error"} | json | line_format "{{.priority}} [{{.rule}}] {{.output}}"`),
      ], { h: 10 }),

      row('Vigil health'),
      timeseries('Kernel events lost', 'Records lost between kernel and vigil node, by reason (ringbuf_full, malformed, desync).', [
        prom(`sum by (instance, reason) (rate(vigil_sensor_events_lost_total{${INST}}[${RI}]))`, '{{instance}} {{reason}}'),
      ], { w: 8 }),
      timeseries('Pipeline and Loki drops', 'Events dropped in user space (by stage) and Loki entries that will never arrive.', [
        prom(`sum by (instance, stage) (rate(vigil_pipeline_events_dropped_total{${INST}}[${RI}]))`, '{{instance}} {{stage}}'),
        prom(`sum by (instance, stream, reason) (rate(vigil_loki_entries_dropped_total{${INST}}[${RI}]))`, '{{instance}} loki {{stream}} {{reason}}'),
      ], { w: 8 }),
      timeseries('Scanner queue', 'Scans waiting and running in vigil scanner.', [
        prom('sum(vigil_scanner_queue_length)', 'waiting'),
        prom('sum(vigil_scanner_scans_running)', 'running'),
      ], { w: 8 }),
    ],
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Node

function nodeDashboard() {
  const C = sel(NODE, NS, POD);
  return dashboard({
    uid: 'vigil-node',
    title: 'Vigil / Node',
    description: 'One node: the Vigil sensor\'s health and what the containers on it use.',
    tags: ['node'],
    variables: [datasourceVar(), nodeVar(), instanceVar(), namespaceVar(), podVar()],
    items: [
      row('Sensor'),
      stat('Loader', 'The eBPF loader process (min over the selected nodes).', [promStat(`min(vigil_sensor_loader_up{${INST}})`)], { mappings: upMapping, thresholds: thresholds(['red', null], ['green', 1]) }),
      stat('Loader restarts in range', 'Loader deaths followed by a restart.', [promStat(`sum(increase(vigil_sensor_loader_restarts_total{${INST}}[$__range]))`)], { thresholds: thresholds(['green', null], ['orange', 1]) }),
      stat('Kernel hooks active', 'Hooks attached (vigil_sensor_hook_active = 1); the table below lists each one.', [promStat(`sum(vigil_sensor_hook_active{${INST}})`)]),
      stat('Containers known', 'Containers the node knows, all runtimes.', [promStat(`sum(vigil_containers{${INST}})`)]),
      stat('Events lost in range', 'Kernel records lost (all reasons).', [promStat(`sum(increase(vigil_sensor_events_lost_total{${INST}}[$__range]))`)], { thresholds: thresholds(['green', null], ['red', 1]) }),
      stat('vigil node memory (RSS)', 'Resident memory of the vigil node process.', [promStat(`sum(vigil_process_resident_memory_bytes{${INST}})`)], { unit: 'bytes' }),
      table('Kernel hooks', 'Each hook and how it is attached; 0 = unavailable or failed (the node falls back where it can).', [promInstant(`vigil_sensor_hook_active{${INST}}`)], {
        overrides: [{ matcher: { id: 'byName', options: 'Value' }, properties: [{ id: 'mappings', value: [{ type: 'value', options: { 0: { text: 'unavailable', color: 'red', index: 0 }, 1: { text: 'active', color: 'green', index: 1 } } }] }, { id: 'custom.cellOptions', value: { type: 'color-text' } }] }],
      }),
      table('Build', 'Version, ABI, Node.js and kernel of each vigil node.', [promInstant(`vigil_build_info{${INST}}`)]),
      timeseries('Kernel records', 'Records per second: written by the kernel, received and decoded by vigil node, suppressed by kernel filters.', [
        prom(`sum(rate(vigil_sensor_events_emitted_total{${INST}}[${RI}]))`, 'emitted'),
        prom(`sum(rate(vigil_sensor_events_received_total{${INST}}[${RI}]))`, 'received'),
        prom(`sum(rate(vigil_sensor_events_decoded_total{${INST}}[${RI}]))`, 'decoded'),
        prom(`sum(rate(vigil_sensor_events_filtered_total{${INST}}[${RI}]))`, 'filtered in kernel'),
      ], { w: 8, unit: 'ops' }),
      timeseries('Records received by type', 'Kernel records per second by event type.', [
        prom(`sum by (type) (rate(vigil_sensor_events_received_total{${INST}}[${RI}]))`, '{{type}}'),
      ], { w: 8, unit: 'ops', stack: true }),
      timeseries('Losses and drops', 'Kernel losses by reason and user-space drops by stage.', [
        prom(`sum by (reason) (rate(vigil_sensor_events_lost_total{${INST}}[${RI}]))`, 'lost {{reason}}'),
        prom(`sum by (stage) (rate(vigil_pipeline_events_dropped_total{${INST}}[${RI}]))`, 'dropped {{stage}}'),
      ], { w: 8, unit: 'ops' }),
      timeseries('Metadata and cgroup errors', 'Failed container metadata lookups (by source) and cgroup files not used (by reason).', [
        prom(`sum by (source) (rate(vigil_container_metadata_errors_total{${INST}}[${RI}]))`, 'metadata {{source}}'),
        prom(`sum by (reason) (rate(vigil_cgroup_file_errors_total{${INST}}[${RI}]))`, 'cgroup {{reason}}'),
      ], { w: 8, unit: 'ops' }),
      timeseries('Loki sink', 'Entries acknowledged by Loki and dropped for good (by reason); spool fill.', [
        prom(`sum by (stream) (rate(vigil_loki_entries_sent_total{${INST}}[${RI}]))`, 'sent {{stream}}'),
        prom(`sum by (stream, reason) (rate(vigil_loki_entries_dropped_total{${INST}}[${RI}]))`, 'dropped {{stream}} {{reason}}'),
      ], { w: 8, unit: 'ops' }),
      timeseries('Flight recorder and captures', 'Bytes held by the recorder\'s rings and by open captures.', [
        prom(`sum(vigil_recorder_bytes{${INST}})`, 'recorder'),
        prom(`sum(vigil_capture_bytes{${INST}})`, 'captures'),
      ], { w: 8, unit: 'bytes' }),
      timeseries('vigil node CPU', 'CPU used by the vigil node process itself (cores).', [prom(`sum by (instance) (rate(vigil_process_cpu_seconds_total{${INST}}[${RI}]))`, '{{instance}}')], { w: 8 }),
      timeseries('vigil node memory', 'Resident memory and V8 heap in use.', [
        prom(`sum by (instance) (vigil_process_resident_memory_bytes{${INST}})`, '{{instance}} RSS'),
        prom(`sum by (instance) (vigil_nodejs_heap_size_used_bytes{${INST}})`, '{{instance}} heap used'),
      ], { w: 8, unit: 'bytes' }),
      timeseries('vigil node event loop lag (p99)', 'A lagging event loop delays alerts and metric updates.', [
        prom(`max by (instance) (vigil_nodejs_eventloop_lag_p99_seconds{${INST}})`, '{{instance}}'),
      ], { w: 8, unit: 's' }),

      row('Containers on the node'),
      timeseries('CPU by container (cores)', 'cgroup CPU time; `host` is every process outside a container.', [
        prom(`sum by (node, namespace, pod, container) (rate(vigil_container_cpu_usage_seconds_total{${C}}[${RI}]))`, legendContainer),
      ], { stack: true, links: [inspectLink(), workloadLink()] }),
      timeseries('Memory working set by container', 'Usage minus inactive file cache (what the OOM killer looks at).', [
        prom(`sum by (node, namespace, pod, container) (vigil_container_memory_working_set_bytes{${C}})`, legendContainer),
      ], { stack: true, unit: 'bytes', links: [inspectLink(), workloadLink()] }),
      timeseries('Network by container', 'Socket bytes received (up) and sent (down), from eBPF.', [
        prom(`sum by (namespace, pod, container) (rate(vigil_container_network_receive_bytes_total{${C}}[${RI}]))`, `${legendContainer} receive`),
        prom(`sum by (namespace, pod, container) (rate(vigil_container_network_transmit_bytes_total{${C}}[${RI}]))`, `${legendContainer} transmit`),
      ], { unit: 'Bps', overrides: [negativeY('.*transmit')] }),
      timeseries('Disk I/O by container', 'Block device bytes read (up) and written (down).', [
        prom(`sum by (namespace, pod, container) (rate(vigil_container_fs_read_bytes_total{${C}}[${RI}]))`, `${legendContainer} read`),
        prom(`sum by (namespace, pod, container) (rate(vigil_container_fs_write_bytes_total{${C}}[${RI}]))`, `${legendContainer} write`),
      ], { unit: 'Bps', overrides: [negativeY('.*write')] }),
      timeseries('Top 10 containers by system calls', 'System calls entered per second (eBPF).', [
        prom(`topk(10, sum by (node, namespace, pod, container) (rate(vigil_container_syscalls_total{${C}}[${RI}])))`, legendContainer),
      ], { w: 8, unit: 'ops', links: [inspectLink()] }),
      timeseries('Execs and connects', 'Successful execs and connect() calls per second on the node (eBPF).', [
        prom(`sum(rate(vigil_container_execs_total{${C}}[${RI}]))`, 'execs'),
        prom(`sum(rate(vigil_container_connects_total{${C}}[${RI}]))`, 'connects'),
        prom(`sum(rate(vigil_container_accepts_total{${C}}[${RI}]))`, 'accepts'),
      ], { w: 8, unit: 'ops' }),
      timeseries('Tasks by container', 'Processes and threads in each container\'s cgroup.', [
        prom(`sum by (namespace, pod, container) (vigil_container_pids{${C}})`, legendContainer),
      ], { w: 8 }),

      row('Node (node-exporter)'),
      timeseries('Node CPU busy (node-exporter)', 'node-exporter: share of CPU time not idle, per node-exporter instance (needs prometheus-node-exporter; not filtered by $node).', [
        prom(`1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[${RI}]))`, '{{instance}}'),
      ], { unit: 'percentunit', min: 0, max: 1 }),
      timeseries('Node memory available (node-exporter)', 'node-exporter: MemAvailable / MemTotal per node-exporter instance (needs prometheus-node-exporter; not filtered by $node).', [
        prom('node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes', '{{instance}}'),
      ], { unit: 'percentunit', min: 0, max: 1 }),
    ],
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Workload / Pod

function workloadDashboard() {
  const S = sel(NODE, NS, POD, CT);
  const byPC = 'sum by (pod, container)';
  const lg = '{{pod}}/{{container}}';
  // Pod and container follow the chosen workload: their "All" is the list of matching values, not `.*`.
  const workloadVar = promLabelVar('workload', 'Workload', `vigil_container_info{${sel(NODE, NS)}}`);
  const pod = promLabelVar('pod', 'Pod', `vigil_container_info{${sel(NODE, NS, 'workload=~"$workload"')}}`);
  delete pod.allValue;
  const container = promLabelVar('container', 'Container', `vigil_container_info{${sel(NODE, NS, 'workload=~"$workload"', POD)}}`);
  delete container.allValue;
  return dashboard({
    uid: 'vigil-workload',
    title: 'Vigil / Workload and pod',
    description: 'The containers of one workload or pod: CPU, memory, I/O, network, processes and system activity from cgroups and eBPF, with their alerts and vulnerabilities.',
    tags: ['workload'],
    variables: [datasourceVar(), lokiVar(), nodeVar(), namespaceVar(), workloadVar, pod, container],
    items: [
      row('Containers'),
      table('Containers', 'The selected containers, their images and owners. Click a container to inspect it, an image for its scan.', [promInstant(`vigil_container_info{${S}}`)], {
        w: 24, h: 6,
        transformations: [{ id: 'organize', options: { excludeByName: { Time: true, Value: true, __name__: true, job: true, instance: true } } }],
        overrides: [
          { matcher: { id: 'byName', options: 'container' }, properties: [{ id: 'links', value: [inspectLink(dataField)] }] },
          { matcher: { id: 'byName', options: 'image' }, properties: [{ id: 'links', value: [imageScanLink('${__value.raw:percentencode}')] }] },
        ],
      }),

      row('CPU'),
      timeseries('CPU usage and limit (cores)', 'cgroup CPU time per container; dashed: the CPU limit (quota / period) where one is set.', [
        prom(`${byPC} (rate(vigil_container_cpu_usage_seconds_total{${S}}[${RI}]))`, lg),
        prom(`${byPC} (vigil_container_cpu_limit_cores{${S}})`, `${lg} limit`),
      ], { overrides: [dashed('.* limit')], links: [inspectLink()] }),
      timeseries('CPU throttling', 'Share of CFS periods in which the container was throttled (containers with a CPU limit).', [
        prom(`${byPC} (rate(vigil_container_cpu_cfs_throttled_periods_total{${S}}[${RI}])) / (${byPC} (rate(vigil_container_cpu_cfs_periods_total{${S}}[${RI}])) > 0)`, lg),
      ], { w: 8, unit: 'percentunit', min: 0 }),
      timeseries('Throttled time', 'Time the container was held back by its CPU quota, seconds per second.', [
        prom(`${byPC} (rate(vigil_container_cpu_cfs_throttled_seconds_total{${S}}[${RI}]))`, lg),
      ], { w: 8 }),
      timeseries('On-CPU time from the scheduler (cores)', 'eBPF sched_switch accounting; should track the cgroup CPU time.', [
        prom(`${byPC} (rate(vigil_container_oncpu_seconds_total{${S}}[${RI}]))`, lg),
      ], { w: 8 }),

      row('Memory'),
      timeseries('Memory working set, usage and limit', 'Working set (usage minus inactive file cache), usage (page cache included) and, dashed, the limit.', [
        prom(`${byPC} (vigil_container_memory_working_set_bytes{${S}})`, `${lg} working set`),
        prom(`${byPC} (vigil_container_memory_usage_bytes{${S}})`, `${lg} usage`),
        prom(`${byPC} (vigil_container_memory_limit_bytes{${S}})`, `${lg} limit`),
      ], { unit: 'bytes', overrides: [dashed('.* limit')] }),
      timeseries('Memory working set / limit', 'Near 100 % the OOM killer acts (containers with a memory limit).', [
        prom(`${byPC} (vigil_container_memory_working_set_bytes{${S}}) / ${byPC} (vigil_container_memory_limit_bytes{${S}})`, lg),
      ], { w: 6, unit: 'percentunit', min: 0 }),
      timeseries('OOM kills', 'Processes of the container killed by the OOM killer.', [
        prom(`${byPC} (increase(vigil_container_oom_kills_total{${S}}[${RI}]))`, lg),
      ], { w: 6 }),

      row('Processes'),
      timeseries('Tasks and limit', 'Tasks in the container\'s cgroup; dashed: pids.max where set.', [
        prom(`${byPC} (vigil_container_pids{${S}})`, lg),
        prom(`${byPC} (vigil_container_pids_limit{${S}})`, `${lg} limit`),
      ], { w: 8, overrides: [dashed('.* limit')] }),
      timeseries('Process activity', 'Execs, process creations and exits per second (eBPF).', [
        prom(`sum(rate(vigil_container_execs_total{${S}}[${RI}]))`, 'execs'),
        prom(`sum(rate(vigil_container_forks_total{${S}}[${RI}]))`, 'forks'),
        prom(`sum(rate(vigil_container_process_exits_total{${S}}[${RI}]))`, 'exits'),
      ], { w: 8, unit: 'ops' }),
      timeseries('Container restarts (kube-state-metrics)', 'kube-state-metrics: restarts counted by the kubelet (kube_pod_container_status_restarts_total); Vigil keeps a restarted container\'s series, so its own restart signals are the exits and OOM kills beside.', [
        prom(`sum by (pod, container) (increase(kube_pod_container_status_restarts_total{${sel(NS, POD, CT)}}[${RI}]))`, lg),
      ], { w: 8 }),

      row('I/O and network'),
      timeseries('Disk throughput', 'Block device bytes read (up) and written (down).', [
        prom(`${byPC} (rate(vigil_container_fs_read_bytes_total{${S}}[${RI}]))`, `${lg} read`),
        prom(`${byPC} (rate(vigil_container_fs_write_bytes_total{${S}}[${RI}]))`, `${lg} write`),
      ], { w: 8, unit: 'Bps', overrides: [negativeY('.* write')] }),
      timeseries('Disk operations', 'Block device reads (up) and writes (down) per second.', [
        prom(`${byPC} (rate(vigil_container_fs_reads_total{${S}}[${RI}]))`, `${lg} reads`),
        prom(`${byPC} (rate(vigil_container_fs_writes_total{${S}}[${RI}]))`, `${lg} writes`),
      ], { w: 8, unit: 'iops', overrides: [negativeY('.* writes')] }),
      timeseries('Network', 'Socket bytes received (up) and sent (down), from eBPF.', [
        prom(`${byPC} (rate(vigil_container_network_receive_bytes_total{${S}}[${RI}]))`, `${lg} receive`),
        prom(`${byPC} (rate(vigil_container_network_transmit_bytes_total{${S}}[${RI}]))`, `${lg} transmit`),
      ], { w: 8, unit: 'Bps', overrides: [negativeY('.* transmit')] }),
      timeseries('Connections', 'connect() calls (up) and accepted connections (down) per second (eBPF).', [
        prom(`${byPC} (rate(vigil_container_connects_total{${S}}[${RI}]))`, `${lg} connects`),
        prom(`${byPC} (rate(vigil_container_accepts_total{${S}}[${RI}]))`, `${lg} accepts`),
      ], { w: 8, unit: 'ops', overrides: [negativeY('.* accepts')] }),
      timeseries('System calls', 'System calls entered per second (eBPF).', [
        prom(`${byPC} (rate(vigil_container_syscalls_total{${S}}[${RI}]))`, lg),
      ], { w: 8, unit: 'ops' }),
      timeseries('File opens', 'open calls per second; failed ones separately (many failures can mean probing).', [
        prom(`${byPC} (rate(vigil_container_file_opens_total{${S}}[${RI}]))`, `${lg} opens`),
        prom(`${byPC} (rate(vigil_container_file_open_failures_total{${S}}[${RI}]))`, `${lg} failed`),
      ], { w: 8, unit: 'ops' }),

      row('Security'),
      timeseries('Alerts', 'Runtime alerts of the selected workload (vigil_alerts_total carries namespace and workload, not pod).', [
        prom(`sum by (rule, priority) (increase(vigil_alerts_total{${sel(NODE, NS, 'workload=~"$workload"')}}[${RI}]))`, '{{priority}} {{rule}}'),
      ], { links: [dashLink('vigil-runtime-security', 'Runtime security dashboard', '&${namespace:queryparam}&${pod:queryparam}')] }),
      table('Vulnerabilities by image', 'Unsuppressed findings in the images the selected workload runs.', [
        promInstant(`sum by (image) (vigil_workload_vulnerabilities{${sel(NS, 'workload=~"$workload"', CT)}, severity="CRITICAL"})`),
        promInstant(`sum by (image) (vigil_workload_vulnerabilities{${sel(NS, 'workload=~"$workload"', CT)}, severity="HIGH"})`),
        promInstant(`sum by (image) (vigil_workload_vulnerabilities{${sel(NS, 'workload=~"$workload"', CT)}, severity="MEDIUM"})`),
        promInstant(`sum by (image) (vigil_workload_vulnerabilities{${sel(NS, 'workload=~"$workload"', CT)}, severity="LOW"})`),
        promInstant(`sum by (image) (vigil_workload_vulnerabilities{${sel(NS, 'workload=~"$workload"', CT)}, fixable="true"})`),
      ], {
        transformations: [{ id: 'merge', options: {} }, renameValues(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'fixable'])],
        overrides: [{ matcher: { id: 'byName', options: 'image' }, properties: [{ id: 'links', value: [imageScanLink('${__value.raw:percentencode}')] }] }, ...severityOverrides()],
        sortBy: [{ displayName: 'CRITICAL', desc: true }],
      }),
      logs('Alerts of these containers', 'From Loki: the alert lines of the selected pods and containers.', [
        loki(`{job="vigil", stream="alert", ${S}} | json | line_format "{{.priority}} [{{.rule}}] {{.output}}"`),
      ]),
    ],
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Runtime security (Loki)

function runtimeSecurityDashboard() {
  const L = `job="vigil", stream="alert", ${sel(NODE, NS, POD)}, priority=~"$priority", rule=~"$rule"`;
  const search = '|= "$search"';
  return dashboard({
    uid: 'vigil-runtime-security',
    title: 'Vigil / Runtime security',
    description: 'Runtime alerts from Loki (Falco-compatible JSON lines) and the flight recorder\'s activity around them.',
    tags: ['security', 'loki'],
    variables: [
      datasourceVar(), lokiVar(),
      lokiLabelVar('node', 'Node', '{job="vigil"}'),
      lokiLabelVar('namespace', 'Namespace', `{job="vigil", ${NODE}}`),
      lokiLabelVar('pod', 'Pod', `{job="vigil", ${sel(NODE, NS)}}`),
      customVar('priority', 'Priority', PRIORITIES),
      lokiLabelVar('rule', 'Rule', '{job="vigil", stream="alert"}'),
      textVar('search', 'Line contains'),
      textVar('capture', 'Capture id'),
    ],
    items: [
      row('Alerts'),
      stat('Alerts in range', 'Alert lines in Loki for the selection.', [lokiInstant(`sum(count_over_time({${L}} ${search} [$__range]))`)], { thresholds: thresholds(['green', null], ['orange', 1]) }),
      stat('Critical and above', 'Alerts of priority Critical, Alert or Emergency.', [lokiInstant(`sum(count_over_time({${L}, priority=~"Emergency|Alert|Critical"} ${search} [$__range]))`)], { thresholds: thresholds(['green', null], ['red', 1]) }),
      stat('Containers alerting', 'Distinct containers with at least one alert.', [lokiInstant(`count(sum by (namespace, pod, container) (count_over_time({${L}} ${search} [$__range])))`)]),
      stat('Responses', 'Alerts a response acted on (kill or freeze; dry-runs and refusals included).', [lokiInstant(`sum(count_over_time({${L}} | json | response_action!="" [$__range]))`)]),
      stat('Folded duplicates', 'Alerts deduplication folded into summaries (vigil_alerts_deduplicated_total).', [promStat('sum(increase(vigil_alerts_deduplicated_total{rule=~"$rule"}[$__range]))')]),
      stat('Alerts lost', 'Alert lines that will never reach Loki (vigil_loki_entries_dropped_total, stream alert).', [promStat('sum(increase(vigil_loki_entries_dropped_total{stream="alert"}[$__range]))')], { thresholds: thresholds(['green', null], ['red', 1]) }),
      timeseries('Alerts by priority', 'Alert lines per priority.', [loki(`sum by (priority) (count_over_time({${L}} ${search} [$__auto]))`, '{{priority}}')], { stack: true, overrides: priorityOverrides() }),
      timeseries('Alerts by rule', 'Alert lines per rule.', [loki(`sum by (rule) (count_over_time({${L}} ${search} [$__auto]))`, '{{rule}}')], { stack: true }),
      bargauge('Top 10 rules', 'Rules with the most alerts in the range.', [lokiInstant(`topk(10, sum by (rule) (count_over_time({${L}} ${search} [$__range])))`, '{{rule}}')]),
      bargauge('Top 10 pods', 'Pods with the most alerts in the range (host processes have no pod).', [lokiInstant(`topk(10, sum by (namespace, pod) (count_over_time({${L}} ${search} [$__range])))`, '{{namespace}}/{{pod}}')], {
        links: [{ title: 'Workload / Pod dashboard', url: `/d/vigil-workload/vigil-workload?${dsParam}&var-namespace=\${__field.labels.namespace}&var-pod=\${__field.labels.pod}&${timeRange}` }],
      }),
      bargauge('Top 10 processes', 'Process names in the alerts\' output fields (proc.name).', [lokiInstant(`topk(10, sum by (output_fields_proc_name) (count_over_time({${L}} | json | output_fields_proc_name!="" [$__range])))`, '{{output_fields_proc_name}}')]),
      table('Alerts by workload', 'From the alert lines\' k8s object (pods outside Kubernetes have none).', [
        lokiInstant(`topk(20, sum by (k8s_ns, k8s_workload_kind, k8s_workload) (count_over_time({${L}} | json | k8s_workload!="" [$__range])))`),
      ], {
        transformations: [{ id: 'organize', options: { excludeByName: { Time: true }, renameByName: { k8s_ns: 'namespace', k8s_workload_kind: 'kind', k8s_workload: 'workload', Value: 'alerts' } } }],
        links: [{ title: 'Workload / Pod dashboard', url: `/d/vigil-workload/vigil-workload?${dsParam}&var-namespace=\${__data.fields.k8s_ns}&var-workload=\${__data.fields.k8s_workload}&${timeRange}` }],
      }),
      table('Alerts by image', 'Container images in the alert lines.', [
        lokiInstant(`topk(20, sum by (container_image) (count_over_time({${L}} | json | container_image!="" [$__range])))`),
      ], {
        transformations: [{ id: 'organize', options: { excludeByName: { Time: true }, renameByName: { container_image: 'image', Value: 'alerts' } } }],
        overrides: [{ matcher: { id: 'byName', options: 'image' }, properties: [{ id: 'links', value: [imageScanLink('${__value.raw:percentencode}')] }] }],
      }),
      table('Response outcomes', 'What responses did: action (kill, freeze) and result (done, dry-run, refused, rate-limited, failed).', [
        lokiInstant(`sum by (rule, response_action, response_result) (count_over_time({${L}} | json | response_action!="" [$__range]))`),
      ], {
        w: 24, h: 6,
        transformations: [{ id: 'organize', options: { excludeByName: { Time: true }, renameByName: { response_action: 'action', response_result: 'result', Value: 'alerts' } } }],
      }),

      row('Logs'),
      logs('Alerts', 'The alert lines (Falco JSON plus Vigil\'s keys); expand a line for every field, among them capture_id for the activity below.', [
        loki(`{${L}} ${search} | json | line_format "{{.priority}} [{{.rule}}] {{.k8s_ns}}/{{.k8s_pod}}/{{.k8s_container}} {{.output}}"`),
      ], { h: 14 }),
      logs('Flight-recorder activity', 'What the containers did around their alerts (set "Capture id" to one alert\'s capture_id).', [
        loki(`{job="vigil", stream="activity", ${sel(NODE, NS, POD)}} ${search} | json | capture_id=~"$capture.*" | line_format "{{.type}} pid={{.pid}} {{.name}} {{.cmdline}}{{.path}}{{.remote_ip}}"`),
      ], { h: 14 }),

      row('Prometheus counters (long retention)'),
      timeseries('Alerts by priority (metrics)', 'vigil_alerts_total: the same alerts as counters, kept as long as Prometheus keeps metrics.', [
        prom(`sum by (priority) (increase(vigil_alerts_total{${sel(NODE, NS)}, priority=~"$priority", rule=~"$rule"}[${RI}]))`, '{{priority}}'),
      ], { stack: true, overrides: priorityOverrides() }),
      timeseries('Alert delivery to Loki', 'Alert lines acknowledged by Loki, and dropped for good by reason.', [
        prom(`sum(rate(vigil_loki_entries_sent_total{stream="alert"}[${RI}]))`, 'sent'),
        prom(`sum by (reason) (rate(vigil_loki_entries_dropped_total{stream="alert"}[${RI}]))`, 'dropped {{reason}}'),
      ], { unit: 'ops' }),
    ],
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Vulnerabilities (vigil scanner)

function vulnerabilitiesDashboard() {
  const SEV = 'severity=~"$severity"';
  const W = sel(NS, 'workload=~"$workload"');
  const sevCols = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];
  const imageTargets = [...sevCols.map((s) => promInstant(`sum by (image) (vigil_image_vulnerabilities{severity="${s}"})`)), promInstant('sum by (image) (vigil_image_vulnerabilities{fixable="true"})')];
  const workloadTargets = [
    ...sevCols.map((s) => promInstant(`sum by (namespace, workload_kind, workload) (vigil_workload_vulnerabilities{${W}, severity="${s}"})`)),
    promInstant(`sum by (namespace, workload_kind, workload) (vigil_workload_vulnerabilities{${W}, fixable="true"})`),
  ];
  // Workload containers that run on the selected nodes/pods: the node's vigil_container_info carries the same
  // namespace, workload_kind, workload and container labels as the scanner's workload family.
  const running = `group by (namespace, workload_kind, workload, container) (vigil_container_info{${sel(NODE, NS, POD)}})`;
  // Outside Kubernetes the scanner names the workload after the container (workload_kind="Container") while the
  // node leaves workload empty: those join on container name and image reference instead.
  const runningOutsideK8s = `group by (container, image) (vigil_container_info{${sel(NODE, NS, POD)}, workload=""})`;
  const sevStat = (s, color) => stat(`${s[0]}${s.slice(1).toLowerCase()}`, `Unsuppressed ${s} findings, all images in use.`, [promStat(`sum(vigil_image_vulnerabilities{severity="${s}"})`)], {
    w: 3, thresholds: thresholds(['green', null], [color, 1]),
  });
  return dashboard({
    uid: 'vigil-vulnerabilities',
    title: 'Vigil / Vulnerabilities',
    description: 'Image vulnerabilities from vigil scanner (offline OSV matching): images and workloads by severity, fixable findings, policy violations and the scanner\'s health.',
    tags: ['vulnerabilities', 'scanner'],
    variables: [
      datasourceVar(), nodeVar(),
      promLabelVar('namespace', 'Namespace', 'vigil_workload_vulnerabilities'),
      promLabelVar('workload', 'Workload', `vigil_workload_vulnerabilities{${NS}}`),
      podVar(),
      customVar('severity', 'Severity', ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN', 'NONE']),
    ],
    items: [
      row('Images in use'),
      stat('Images in use', 'Distinct images (by digest) in use or configured.', [promStat('max(vigil_images_in_use)')], { w: 3 }),
      sevStat('CRITICAL', 'dark-red'),
      sevStat('HIGH', 'orange'),
      sevStat('MEDIUM', 'yellow'),
      sevStat('LOW', 'blue'),
      stat('Fixable critical + high', 'CRITICAL and HIGH findings with a fixed version available.', [promStat('sum(vigil_image_vulnerabilities{severity=~"CRITICAL|HIGH", fixable="true"})')], { w: 3, thresholds: thresholds(['green', null], ['orange', 1]) }),
      stat('DB age', 'now − newest record in the vulnerability database (the data\'s age).', [promStat('max(vigil_vulndb_age_seconds)')], { w: 3, unit: 's', thresholds: dbAgeThresholds }),
      stat('DB records', 'Records in the vulnerability database in use.', [promStat('max(vigil_vulndb_records)')], { w: 3 }),
      piechart('Findings by severity', 'All images in use.', [promStat(`sum by (severity) (vigil_image_vulnerabilities{${SEV}})`, '{{severity}}')], { overrides: severityOverrides() }),
      bargauge('Fixable or not', 'Findings with and without a fixed version.', [promStat(`sum by (fixable) (vigil_image_vulnerabilities{${SEV}})`, 'fixable={{fixable}}')]),
      timeseries('Findings over time', 'Unsuppressed findings per severity; drops when images are patched or leave the cluster.', [prom(`sum by (severity) (vigil_image_vulnerabilities{${SEV}})`, '{{severity}}')], { w: 8, overrides: severityOverrides() }),
      table('Images', 'Findings per image in use (click an image for its scan in the app).', imageTargets, {
        w: 24, h: 10,
        transformations: [{ id: 'merge', options: {} }, renameValues([...sevCols, 'fixable'])],
        overrides: [{ matcher: { id: 'byName', options: 'image' }, properties: [{ id: 'links', value: [imageScanLink('${__value.raw:percentencode}')] }] }, ...severityOverrides()],
        sortBy: [{ displayName: 'CRITICAL', desc: true }],
      }),

      row('Workloads'),
      table('Workloads', 'Findings per workload (namespace and workload variables apply).', workloadTargets, {
        w: 24, h: 10,
        transformations: [{ id: 'merge', options: {} }, renameValues([...sevCols, 'fixable'])],
        overrides: [{ matcher: { id: 'byName', options: 'workload' }, properties: [{ id: 'links', value: [{ title: 'Workload / Pod dashboard', url: `/d/vigil-workload/vigil-workload?${dsParam}&var-namespace=\${__data.fields.namespace}&var-workload=\${__value.raw}&${timeRange}` }] }] }, ...severityOverrides()],
        sortBy: [{ displayName: 'CRITICAL', desc: true }],
      }),
      bargauge('Top 10 workloads by critical + high', 'Workload containers with the most CRITICAL and HIGH findings.', [
        promStat(`topk(10, sum by (namespace, workload) (vigil_workload_vulnerabilities{${W}, severity=~"CRITICAL|HIGH"}))`, '{{namespace}}/{{workload}}'),
      ], { w: 12, thresholds: thresholds(['orange', null], ['dark-red', 10]) }),
      bargauge('Findings on the selected nodes and pods', 'Workload containers running on the selected nodes/pods (joined with vigil node\'s vigil_container_info), CRITICAL and HIGH.', [
        promStat(`sum by (namespace, workload, container) ((vigil_workload_vulnerabilities{${W}, severity=~"CRITICAL|HIGH"} * on (namespace, workload_kind, workload, container) group_left() ${running}) or (vigil_workload_vulnerabilities{${W}, workload_kind="Container", severity=~"CRITICAL|HIGH"} * on (container, image) group_left() ${runningOutsideK8s}))`, '{{namespace}}/{{workload}}/{{container}}'),
      ], { w: 12, thresholds: thresholds(['orange', null], ['dark-red', 10]) }),

      row('Policies'),
      stat('Violations', 'Image/policy pairs that fail.', [promStat('sum(vigil_image_policy_violations)')], { w: 4, h: 8, thresholds: thresholds(['green', null], ['red', 1]) }),
      bargauge('Violations by policy', 'Images failing each policy (every evaluated policy is listed, zeros included).', [promStat('sum by (policy) (vigil_image_policy_violations)', '{{policy}}')], { w: 8, thresholds: thresholds(['green', null], ['red', 1]) }),
      table('Violating images', 'Each image and the policies it fails.', [promInstant('sum by (image, policy, severity) (vigil_image_policy_violations) > 0')], {
        w: 12,
        overrides: [{ matcher: { id: 'byName', options: 'image' }, properties: [{ id: 'links', value: [imageScanLink('${__value.raw:percentencode}')] }] }],
      }),

      row('Scanner'),
      timeseries('Scans', 'Scans finished per result (success, incomplete, failed).', [prom(`sum by (result) (increase(vigil_image_scans_total[${RI}]))`, '{{result}}')], { w: 8 }),
      timeseries('Scan failures by code', 'Failed scans by error code (not-found, unauthorized, network, timeout, …).', [prom(`sum by (code) (increase(vigil_image_scan_failures_total[${RI}]))`, '{{code}}')], { w: 8 }),
      timeseries('Scan duration', 'p50 and p95 per mode: pull (read and catalogue the image) or rematch (cached catalogue, new database).', [
        prom(`histogram_quantile(0.5, sum by (le, mode) (rate(vigil_image_scan_duration_seconds_bucket[${RI}])))`, 'p50 {{mode}}'),
        prom(`histogram_quantile(0.95, sum by (le, mode) (rate(vigil_image_scan_duration_seconds_bucket[${RI}])))`, 'p95 {{mode}}'),
      ], { w: 8, unit: 's' }),
      timeseries('Images by status', 'Tracked images: pending, scanning, scanned, failed; and the queue.', [
        prom('sum by (status) (vigil_scanner_images)', '{{status}}'),
        prom('sum(vigil_scanner_queue_length)', 'queue'),
        prom('sum(vigil_scanner_scans_running)', 'running'),
      ], { w: 8 }),
      timeseries('Caches', 'Cache bytes (estimates) and layer cache hit ratio.', [
        prom('sum by (cache) (vigil_scanner_cache_bytes)', '{{cache}} bytes'),
      ], { w: 8, unit: 'bytes' }),
      timeseries('Layer cache hit ratio', 'Layer blobs neither downloaded nor read again, of all layer lookups.', [
        prom(`sum(rate(vigil_scanner_cache_lookups_total{cache="layers", result="hit"}[${RI}])) / sum(rate(vigil_scanner_cache_lookups_total{cache="layers"}[${RI}]))`, 'hit ratio'),
      ], { w: 8, unit: 'percentunit', min: 0, max: 1 }),
      timeseries('Scanner errors and drops', 'Errors by source (kubernetes, runtime, pull-secrets, db) and what the limits dropped.', [
        prom(`sum by (source) (increase(vigil_scanner_errors_total[${RI}]))`, 'error {{source}}'),
        prom(`sum by (what) (increase(vigil_scanner_dropped_total[${RI}]))`, 'dropped {{what}}'),
      ], { w: 12 }),
      timeseries('Vulnerability DB age', 'Age of the newest record; rises steadily until the database is updated.', [prom('max(vigil_vulndb_age_seconds)', 'age')], { w: 12, unit: 's' }),
    ],
  });
}

// ---------------------------------------------------------------------------------------------------------------

export const DASHBOARDS = {
  'vigil-cluster-overview.json': clusterOverview,
  'vigil-node.json': nodeDashboard,
  'vigil-workload.json': workloadDashboard,
  'vigil-runtime-security.json': runtimeSecurityDashboard,
  'vigil-vulnerabilities.json': vulnerabilitiesDashboard,
};

/** file name -> the JSON text this script writes (2-space indent, trailing newline). */
export function renderDashboards() {
  return Object.fromEntries(Object.entries(DASHBOARDS).map(([file, build]) => [file, `${JSON.stringify(build(), null, 2)}\n`]));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = dirname(fileURLToPath(import.meta.url));
  for (const [file, text] of Object.entries(renderDashboards())) {
    writeFileSync(join(dir, file), text);
    console.log(`wrote dashboards/${file}`);
  }
}
