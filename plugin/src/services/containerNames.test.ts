import { FieldType, getFieldDisplayName, toDataFrame } from '@grafana/data';
import { containerDisplayName, withContainerDisplayNames } from './containerNames';

describe('containerDisplayName', () => {
  it('leaves out an empty namespace and pod (containers outside Kubernetes)', () => {
    expect(containerDisplayName({ namespace: '', pod: '', container: 'vigil-live-app', node: 'vm' })).toBe('vigil-live-app (node vm)');
  });
  it('keeps ns/pod/container when set', () => {
    expect(containerDisplayName({ namespace: 'shop', pod: 'api-7d9', container: 'api', node: 'n1' })).toBe('shop/api-7d9/api (node n1)');
  });
  it('omits the node when unknown and names a container with no parts', () => {
    expect(containerDisplayName({ namespace: 'shop', pod: 'api-7d9', container: 'api' })).toBe('shop/api-7d9/api');
    expect(containerDisplayName({})).toBe('unnamed container');
  });
});

describe('withContainerDisplayNames', () => {
  const frame = () =>
    toDataFrame({
      fields: [
        { name: 'Time', type: FieldType.time, values: [1000] },
        { name: 'Value', type: FieldType.number, values: [2351104], labels: { namespace: '', pod: '', container: 'app', node: 'vm' } },
      ],
    });

  it('names the series the way every page does', () => {
    const [out] = withContainerDisplayNames([frame()]);
    expect(getFieldDisplayName(out!.fields[1]!, out!, [out!])).toBe('app (node vm)');
  });

  it('passes frames without container labels through unchanged', () => {
    const other = toDataFrame({ fields: [{ name: 'Value', type: FieldType.number, values: [1], labels: { priority: 'Error' } }] });
    const [out] = withContainerDisplayNames([other]);
    expect(out).toBe(other);
  });
});
