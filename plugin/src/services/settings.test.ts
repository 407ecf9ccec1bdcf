import { settingsFromJsonData } from './settings';

describe('settingsFromJsonData', () => {
  it('falls back to the provisioned data source uids', () => {
    const settings = settingsFromJsonData(undefined);
    expect(settings.prometheus).toEqual({ type: 'prometheus', uid: 'vigil-prometheus' });
    expect(settings.loki).toEqual({ type: 'loki', uid: 'vigil-loki' });
    expect(settings.scannerConfigured).toBe(false);
  });

  it('uses the configured uids and ignores blanks', () => {
    const settings = settingsFromJsonData({ prometheusUid: 'p1', lokiUid: '  ', scannerUrl: 'http://s:9712' });
    expect(settings.prometheus.uid).toBe('p1');
    expect(settings.loki.uid).toBe('vigil-loki');
    expect(settings.scannerConfigured).toBe(true);
  });
});
