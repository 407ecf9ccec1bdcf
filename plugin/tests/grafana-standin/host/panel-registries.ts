// The registries Grafana fills at boot and the core panels depend on. @grafana/data ships them empty:
// Grafana's app.ts calls `standardFieldConfigEditorRegistry.setInit(getAllStandardFieldConfigs)`
// (public/app/core/components/OptionsUI/registry.tsx) and `standardTransformersRegistry.setInit(getStandardTransformers)`
// (public/app/features/transformers/standardTransformers.ts), neither on npm. Without them:
// - applyFieldOverrides (run by Scenes' VizPanel with the panel's fieldConfig) copies only options the panel
//   plugin's registry knows, so `unit`, `decimals`, `min`, colour overrides and every `custom.*` option (bars,
//   stacking) were dropped before the panel got its data;
// - SceneDataTransformer's transformations (organize, …) were silently skipped.
// Editors are never rendered here (no panel editor), so each option gets an inert one.
import {
  dataLinksOverrideProcessor,
  displayNameOverrideProcessor,
  FieldColorModeId,
  FieldConfigProperty,
  FieldType,
  identityOverrideProcessor,
  numberOverrideProcessor,
  standardFieldConfigEditorRegistry,
  standardTransformers,
  standardTransformersRegistry,
  stringOverrideProcessor,
  thresholdsOverrideProcessor,
  ThresholdsMode,
  valueMappingsOverrideProcessor,
  type DataTransformerInfo,
  type Field,
  type FieldConfigEditorBuilder,
  type FieldConfigPropertyItem,
  type SetFieldConfigOptionsArgs,
  type TransformerRegistryItem,
} from '@grafana/data';

const noEditor = () => null;

function standardOption(
  id: string,
  process: FieldConfigPropertyItem['process'],
  shouldApply: (field: Field) => boolean,
  defaultValue?: unknown
): FieldConfigPropertyItem {
  return { id, path: id, name: id, editor: noEditor, override: noEditor, process, shouldApply, settings: {}, ...(defaultValue !== undefined ? { defaultValue } : {}) };
}

const always = () => true;
const numeric = (f: Field) => f.type === FieldType.number;

/** Grafana's standard field options with its processors, shouldApply rules and defaults. */
function standardFieldConfigs(): FieldConfigPropertyItem[] {
  return [
    standardOption('unit', stringOverrideProcessor, always),
    standardOption('min', numberOverrideProcessor, numeric),
    standardOption('max', numberOverrideProcessor, numeric),
    standardOption('decimals', numberOverrideProcessor, numeric),
    standardOption('displayName', displayNameOverrideProcessor, always),
    standardOption('color', identityOverrideProcessor, always),
    standardOption('noValue', stringOverrideProcessor, always),
    standardOption('links', dataLinksOverrideProcessor, always),
    standardOption('mappings', valueMappingsOverrideProcessor, (f) => f.type !== FieldType.time, []),
    standardOption('thresholds', thresholdsOverrideProcessor, always, {
      mode: ThresholdsMode.Absolute,
      steps: [
        { value: -Infinity, color: 'green' },
        { value: 80, color: 'red' },
      ],
    }),
  ];
}

function standardTransformerItems(): TransformerRegistryItem[] {
  // standardTransformers holds aliases (seriesToColumns is joinByField, …): one registry item per id.
  const byId = new Map<string, DataTransformerInfo>();
  for (const info of Object.values(standardTransformers) as DataTransformerInfo[]) if (!byId.has(info.id)) byId.set(info.id, info);
  return [...byId.values()].map((info) => ({
    id: info.id,
    name: info.name,
    description: info.description,
    editor: noEditor,
    imageDark: '',
    imageLight: '',
    transformation: () => Promise.resolve(info),
  }));
}

let registered = false;

/** Idempotent; must run before the first panel plugin's fieldConfigRegistry is read (it is built lazily once). */
export function registerGrafanaBootRegistries(): void {
  if (registered) return;
  registered = true;
  standardFieldConfigEditorRegistry.setInit(standardFieldConfigs);
  standardTransformersRegistry.setInit(standardTransformerItems);
}

/**
 * The `custom.*` field options of Grafana's core panels that the app or @grafana/ui's components read
 * (public/app/plugins/panel/timeseries/config.ts, table/module.tsx, bargauge/module.tsx), with Grafana's defaults.
 * Only registered options survive applyFieldOverrides, so a panel without them would lose e.g. drawStyle: bars.
 */
const CUSTOM_OPTIONS: Record<string, Record<string, unknown>> = {
  timeseries: {
    drawStyle: 'line',
    lineInterpolation: 'linear',
    lineWidth: 1,
    lineStyle: undefined,
    fillOpacity: 0,
    gradientMode: 'none',
    fillBelowTo: undefined,
    fillColor: undefined,
    showPoints: 'auto',
    pointSize: 5,
    spanNulls: false,
    insertNulls: false,
    stacking: { mode: 'none', group: 'A' },
    barAlignment: 0,
    barWidthFactor: 0.6,
    barMaxWidth: undefined,
    axisPlacement: 'auto',
    axisLabel: undefined,
    axisWidth: undefined,
    axisSoftMin: undefined,
    axisSoftMax: undefined,
    axisGridShow: undefined,
    axisCenteredZero: false,
    axisColorMode: 'text',
    axisBorderShow: false,
    scaleDistribution: { type: 'linear' },
    hideFrom: { tooltip: false, viz: false, legend: false },
    thresholdsStyle: { mode: 'off' },
    transform: undefined,
    showValues: false,
  },
  table: {
    align: 'auto',
    cellOptions: { type: 'auto' },
    width: undefined,
    minWidth: 150,
    filterable: false,
    inspect: false,
    hidden: false,
    hideFrom: undefined,
  },
  bargauge: { hideFrom: undefined },
  barchart: { hideFrom: undefined, fillOpacity: 80, lineWidth: 1, gradientMode: 'none', axisPlacement: 'auto' },
  piechart: { hideFrom: undefined },
  stat: {},
};

/** The default colour scheme of each core panel (its module.tsx `standardOptions.color.defaultValue`). */
const COLOR_MODE: Record<string, FieldColorModeId> = {
  timeseries: FieldColorModeId.PaletteClassic,
  barchart: FieldColorModeId.PaletteClassic,
  piechart: FieldColorModeId.PaletteClassic,
  stat: FieldColorModeId.Thresholds,
  bargauge: FieldColorModeId.Thresholds,
  table: FieldColorModeId.Thresholds,
};

/** The `useFieldConfig` argument for a core panel id: the standard options plus its custom ones. */
export function fieldConfigFor(panelId: string): SetFieldConfigOptionsArgs {
  const custom = CUSTOM_OPTIONS[panelId] ?? {};
  return {
    standardOptions: { [FieldConfigProperty.Color]: { defaultValue: { mode: COLOR_MODE[panelId] ?? FieldColorModeId.Thresholds } } },
    useCustomConfig: (builder: FieldConfigEditorBuilder<Record<string, unknown>>) => {
      for (const [path, defaultValue] of Object.entries(custom)) {
        builder.addCustomEditor({
          id: path,
          path,
          name: path,
          editor: noEditor,
          override: noEditor,
          process: identityOverrideProcessor,
          shouldApply: always,
          ...(defaultValue !== undefined ? { defaultValue } : {}),
        });
      }
    },
  };
}
