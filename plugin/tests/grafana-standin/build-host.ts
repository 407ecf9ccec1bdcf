// Builds the stand-in's host bundle (host/main.tsx) with esbuild into a cache directory. The host bundles its own
// copies of the shared modules (as Grafana's own bundle does) and hands them to the plugin through SystemJS.
import { build, type Plugin } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const HERE = import.meta.dirname;
export const HOST_OUT_DIR = resolve(HERE, '../../node_modules/.cache/vigil-grafana-standin');
export const HOST_BUNDLE = join(HOST_OUT_DIR, 'host.js');

function newestMtime(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newestMtime(p) : s.mtimeMs);
  }
  return t;
}

/**
 * @grafana/plugin-compat (used by @grafana/scenes) feature-detects runtime functions newer than 13.1 with named
 * imports that may not exist. webpack (Grafana's and the plugin's bundler) lets such an import be undefined;
 * esbuild refuses it, so those imports are rewritten to property reads of the namespace, which is the same thing.
 */
const featureDetectedImports: Plugin = {
  name: 'plugin-compat-feature-detection',
  setup(b) {
    b.onLoad({ filter: /@grafana[\\/]plugin-compat[\\/].*\.m?js$/ }, (args) => {
      let n = 0;
      const contents = readFileSync(args.path, 'utf8').replace(/import\s*\{([^}]*)\}\s*from\s*'(@grafana\/runtime(?:\/unstable)?)';/g, (_m, names: string, mod: string) => {
        const ns = `__ns${n++}`;
        const bindings = names.split(',').map((x) => x.trim()).filter(Boolean).map((x) => {
          const [orig, alias] = x.split(/\s+as\s+/);
          return `${alias ?? orig} = ${ns}[${JSON.stringify(orig)}]`;
        });
        return `import * as ${ns} from '${mod}'; const ${bindings.join(', ')};`;
      });
      return { contents, loader: 'js' };
    });
  },
};

/** Builds when the bundle is missing or older than a host source file; returns the bundle path. */
export async function buildHost(force = false): Promise<string> {
  const src = join(HERE, 'host');
  if (!force && existsSync(HOST_BUNDLE) && statSync(HOST_BUNDLE).mtimeMs >= newestMtime(src)) return HOST_BUNDLE;
  mkdirSync(dirname(HOST_BUNDLE), { recursive: true });
  await build({
    entryPoints: [join(src, 'main.tsx')],
    outfile: HOST_BUNDLE,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: false,
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
    loader: { '.svg': 'text', '.woff': 'empty', '.woff2': 'empty', '.ttf': 'empty', '.png': 'empty' },
    logLevel: 'error',
    plugins: [featureDetectedImports],
    absWorkingDir: resolve(HERE, '../..'),
  });
  return HOST_BUNDLE;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(HERE, 'build-host.ts')) {
  const t = Date.now();
  await buildHost(true);
  console.log(`built ${HOST_BUNDLE} in ${Date.now() - t} ms`);
}
