import { alertBucketMinInterval } from './overviewPanels';

describe('alertBucketMinInterval', () => {
  it('is four scrapes of the data source', () => {
    expect(alertBucketMinInterval('15s')).toBe('60s');
    expect(alertBucketMinInterval('1s')).toBe('4s');
    expect(alertBucketMinInterval('1m')).toBe('240s');
  });
  it("falls back to Grafana's 15s default for a missing or malformed setting", () => {
    expect(alertBucketMinInterval(undefined)).toBe('60s');
    expect(alertBucketMinInterval('soon')).toBe('60s');
    expect(alertBucketMinInterval(42)).toBe('60s');
  });
});
