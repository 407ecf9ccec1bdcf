// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';
// Force UTC so time formatting in tests does not depend on the machine's zone.
process.env.TZ = 'UTC';

// jsdom has no IntersectionObserver, and Scenes' LazyLoader (inside every SceneFlexItem) waits for one before it
// renders its child. This stand-in reports every element visible at once, as a browser does for a panel inside the
// viewport. It is installed here, before any test imports @grafana/scenes.
class VisibleIntersectionObserver {
  constructor(callback) {
    this.callback = callback;
  }
  observe(target) {
    this.callback([{ isIntersecting: true, target }]);
  }
  unobserve() {}
  disconnect() {}
  takeRecords() {
    return [];
  }
}
if (typeof globalThis.IntersectionObserver === 'undefined') {
  globalThis.IntersectionObserver = VisibleIntersectionObserver;
}

// jsdom has no ResizeObserver either (some @grafana/ui components, e.g. TruncatedText in the page header, observe
// their size). jsdom has no layout, so sizes never change: an observer that never reports is what a browser would do.
class StillResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}
if (typeof globalThis.ResizeObserver === 'undefined') {
  globalThis.ResizeObserver = StillResizeObserver;
}
