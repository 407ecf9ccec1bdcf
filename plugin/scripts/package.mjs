// After webpack: put the dashboards (dashboards/ at the repository root, also provisioned on their own) into dist/,
// check that every dashboard plugin.json includes is there, and write the release zip Grafana's CLI installs.
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, copyFileSync, statSync, rmSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import yazl from 'yazl';

const pluginDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const distDir = join(pluginDir, 'dist');
const dashboardsSrc = join(pluginDir, '..', 'dashboards');
const pluginJson = JSON.parse(readFileSync(join(distDir, 'plugin.json'), 'utf8'));

mkdirSync(join(distDir, 'dashboards'), { recursive: true });
if (existsSync(dashboardsSrc)) {
  for (const name of readdirSync(dashboardsSrc).filter((n) => n.endsWith('.json'))) {
    const text = readFileSync(join(dashboardsSrc, name), 'utf8');
    JSON.parse(text); // a broken dashboard fails the build here, not in Grafana
    copyFileSync(join(dashboardsSrc, name), join(distDir, 'dashboards', name));
  }
}
const missing = (pluginJson.includes ?? [])
  .filter((include) => include.type === 'dashboard')
  .map((include) => include.path)
  .filter((path) => !existsSync(join(distDir, path)));
// Grafana lists an app's dashboards by the include's name; a name that differs from the title confuses users.
const misnamed = (pluginJson.includes ?? [])
  .filter((include) => include.type === 'dashboard' && existsSync(join(distDir, include.path)))
  .filter((include) => JSON.parse(readFileSync(join(distDir, include.path), 'utf8')).title !== include.name)
  .map((include) => `${include.path} (include "${include.name}")`);
if (misnamed.length > 0) {
  console.error(`vigil plugin build: plugin.json dashboard names differ from the dashboards' titles: ${misnamed.join(', ')}`);
  process.exit(1);
}
if (missing.length > 0) {
  console.error(`vigil plugin build: plugin.json includes dashboards that are not in dashboards/: ${missing.join(', ')}`);
  process.exit(1);
}

// The zip has one top folder named after the plugin id, as `grafana cli --pluginUrl` and the catalog expect.
const zipName = `${pluginJson.id}-${pluginJson.info.version}.zip`;
const zipPath = join(pluginDir, zipName);
rmSync(zipPath, { force: true });
const zip = new yazl.ZipFile();
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      walk(full);
    } else if (!name.endsWith('.map')) {
      zip.addFile(full, `${pluginJson.id}/${relative(distDir, full)}`);
    }
  }
};
walk(distDir);
zip.end();
await new Promise((resolve, reject) => {
  zip.outputStream.pipe(createWriteStream(zipPath)).on('close', resolve).on('error', reject);
});
console.log(`vigil plugin build: dist/ and ${zipName} (unsigned)`);
