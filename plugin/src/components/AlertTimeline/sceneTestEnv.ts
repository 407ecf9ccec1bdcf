/**
 * Test support for rendering whole scenes in jsdom: Scenes' LazyLoader (inside every SceneFlexItem) waits for
 * IntersectionObserver, which jsdom lacks. This stand-in reports every element as visible at once, which is what
 * a browser does for a panel inside the viewport. Import it before @grafana/scenes.
 */
class VisibleIntersectionObserver {
  constructor(private readonly callback: (entries: Array<{ isIntersecting: boolean; target: Element }>) => void) {}
  observe(target: Element) {
    this.callback([{ isIntersecting: true, target }]);
  }
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}

const g = globalThis as unknown as { IntersectionObserver?: unknown };
if (typeof g.IntersectionObserver === 'undefined') {
  g.IntersectionObserver = VisibleIntersectionObserver;
}
export {};
