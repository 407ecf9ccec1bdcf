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
 * Two places where esbuild's module interop differs from webpack's (which Grafana and the plugin use), fixed in
 * the .mjs files of node_modules as they are loaded:
 * - A default import of a CommonJS package from an .mjs file: esbuild follows Node and binds module.exports even
 *   when the package sets __esModule (react-custom-scrollbars-2 in @grafana/ui's CustomScrollbar); webpack binds
 *   exports.default then. Rewritten to webpack's rule.
 * - @grafana/plugin-compat (used by @grafana/scenes) feature-detects runtime functions newer than 13.1 with named
 *   imports that may not exist; webpack lets them be undefined, esbuild refuses. Rewritten to namespace reads.
 */
const webpackInterop: Plugin = {
  name: 'webpack-interop',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/].*\.mjs$/ }, (args) => {
      let n = 0;
      let contents = readFileSync(args.path, 'utf8').replace(/^import ([A-Za-z_$][\w$]*)(\s*,\s*\{[^}]*\})? from '([^.'][^']*)';/gm, (_m, name: string, named: string | undefined, mod: string) => {
        const tmp = `__default${n++}`;
        return `import ${tmp}${named ?? ''} from '${mod}'; const ${name} = ${tmp} && ${tmp}.__esModule ? ${tmp}.default : ${tmp};`;
      });
      if (/[\\/]@grafana[\\/]plugin-compat[\\/]/.test(args.path)) {
        contents = contents.replace(/import\s*\{([^}]*)\}\s*from\s*'(@grafana\/runtime(?:\/unstable)?)';/g, (_m, names: string, mod: string) => {
          const ns = `__ns${n++}`;
          const bindings = names.split(',').map((x) => x.trim()).filter(Boolean).map((x) => {
            const [orig, alias] = x.split(/\s+as\s+/);
            return `${alias ?? orig} = ${ns}[${JSON.stringify(orig)}]`;
          });
          return `import * as ${ns} from '${mod}'; const ${bindings.join(', ')};`;
        });
      }
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
    // VIGIL_STANDIN_DEV=1: React's development build and readable code, for debugging the stand-in.
    minify: process.env.VIGIL_STANDIN_DEV !== '1',
    sourcemap: false,
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': process.env.VIGIL_STANDIN_DEV === '1' ? '"development"' : '"production"', global: 'globalThis' },
    loader: { '.svg': 'text', '.woff': 'empty', '.woff2': 'empty', '.ttf': 'empty', '.png': 'empty' },
    logLevel: 'error',
    plugins: [webpackInterop],
    absWorkingDir: resolve(HERE, '../..'),
  });
  return HOST_BUNDLE;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(HERE, 'build-host.ts')) {
  const t = Date.now();
  await buildHost(true);
  console.log(`built ${HOST_BUNDLE} in ${Date.now() - t} ms`);
}
