// Force UTC so time formatting in tests does not depend on the machine's zone.
process.env.TZ = 'UTC';

const { grafanaESModules, nodeModulesToTransform } = require('./.config/jest/utils');
const base = require('./.config/jest.config');

module.exports = {
  ...base,
  // d3-color 3.1 (via @grafana/ui) and a few others ship only .mjs: transform those too.
  transform: {
    ...base.transform,
    '^.+\\.mjs$': base.transform['^.+\\.(t|j)sx?$'],
  },
  transformIgnorePatterns: [nodeModulesToTransform([...grafanaESModules, '@grafana/scenes', 'ol-mapbox-style', 'marked-mangle'])],
  moduleFileExtensions: ['ts', 'tsx', 'js', 'jsx', 'mjs', 'cjs', 'json'],
};
