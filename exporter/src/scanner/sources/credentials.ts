// Registry credentials: from docker's config.json (`auths` entries with base64 `auth` or username/password, or an
// identity token), from $DOCKER_CONFIG or ~/.docker/config.json, or handed over in memory (the scanner service turns
// Kubernetes imagePullSecrets, which are dockerconfigjson documents, into this list). Credential helpers
// (credsStore/credHelpers) would mean running programs named by the file and are not used.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DOCKER_HUB } from './reference.js';

export interface RegistryCredential {
  /** Registry host as in references: "ghcr.io", "127.0.0.1:5000", "docker.io". */
  registry: string;
  username?: string;
  password?: string;
  /** OAuth2 refresh token docker login stores for some registries; sent to the token endpoint. */
  identityToken?: string;
}

/** "https://index.docker.io/v1/" -> "docker.io", "https://ghcr.io/v2/" -> "ghcr.io" */
export function normalizeRegistryHost(key: string): string {
  let host = key.trim().replace(/^[a-z]+:\/\//i, '');
  host = host.split('/')[0]!.toLowerCase();
  if (host === 'index.docker.io' || host === 'registry-1.docker.io' || host === 'registry.hub.docker.com') return DOCKER_HUB;
  return host;
}

/** Reads the `auths` of a docker config document (also what a kubernetes.io/dockerconfigjson secret holds). */
export function credentialsFromDockerConfig(doc: unknown): RegistryCredential[] {
  if (!doc || typeof doc !== 'object') return [];
  const auths = (doc as { auths?: unknown }).auths;
  if (!auths || typeof auths !== 'object') return [];
  const out: RegistryCredential[] = [];
  for (const [key, value] of Object.entries(auths as Record<string, unknown>)) {
    if (!value || typeof value !== 'object') continue;
    const v = value as { auth?: unknown; username?: unknown; password?: unknown; identitytoken?: unknown };
    const cred: RegistryCredential = { registry: normalizeRegistryHost(key) };
    if (typeof v.auth === 'string' && v.auth !== '') {
      const decoded = Buffer.from(v.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        cred.username = decoded.slice(0, colon);
        cred.password = decoded.slice(colon + 1);
      }
    }
    if (typeof v.username === 'string' && typeof v.password === 'string') {
      cred.username = v.username;
      cred.password = v.password;
    }
    if (typeof v.identitytoken === 'string' && v.identitytoken !== '') cred.identityToken = v.identitytoken;
    if (cred.username !== undefined || cred.identityToken !== undefined) out.push(cred);
  }
  return out;
}

/** Loads a docker config file: the given path, else $DOCKER_CONFIG/config.json, else ~/.docker/config.json. Missing is empty. */
export async function loadDockerConfig(path?: string): Promise<RegistryCredential[]> {
  const file = path ?? join(process.env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && path === undefined) return [];
    throw new Error(`cannot read docker config ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return credentialsFromDockerConfig(JSON.parse(text));
  } catch (err) {
    throw new Error(`docker config ${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

export function findCredential(list: RegistryCredential[], registry: string): RegistryCredential | undefined {
  const host = normalizeRegistryHost(registry);
  return list.find((c) => normalizeRegistryHost(c.registry) === host);
}
