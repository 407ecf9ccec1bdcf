import { bareDigest, canonicalRef, matchImage } from './imageMatch';
import { parseImageList } from './scannerApi';

describe('matchImage', () => {
  const d1 = 'sha256:' + '1'.repeat(64);
  const d2 = 'sha256:' + '2'.repeat(64);
  // Through the real validator: the Inspect page matches what the Image scans page lists.
  const { images, malformed } = parseImageList({
    images: [
      { id: d1, ref: 'registry.local/shop/cart:1.4', digest: d1, index_digest: d2 },
      { id: 'ref:nginx', ref: 'nginx:1.25.3', refs: ['nginx:1.25.3'] },
      'junk',
      { noid: true },
    ],
  });
  it('keeps the valid entries and counts the others', () => {
    expect(images.map((i) => i.id)).toEqual([d1, 'ref:nginx']);
    expect(malformed).toBe(2);
  });
  it('matches by any digest the scanner knows, with runtime prefixes', () => {
    expect(matchImage(images, 'other', `docker-pullable://registry.local/shop/cart@${d2}`)?.id).toBe(d1);
    expect(matchImage(images, `registry.local/shop/cart@${d1}`, undefined)?.id).toBe(d1);
    expect(bareDigest('sha256:short')).toBeUndefined();
  });
  it('falls back to a canonical reference', () => {
    expect(matchImage(images, 'docker.io/library/nginx:1.25.3', undefined)?.id).toBe('ref:nginx');
    expect(matchImage(images, 'nginx:1.26', undefined)).toBeUndefined();
    expect(matchImage(images, undefined, undefined)).toBeUndefined();
    expect(canonicalRef('nginx')).toBe('docker.io/library/nginx:latest');
    expect(canonicalRef('localhost:5000/a/b')).toBe('localhost:5000/a/b:latest');
  });
});
