// Every library loading the same three layers (default.json < production.json < 20 APP__ environment variables),
// and the floors they are compared with.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createConfig, envSource, fileSource, type Config } from '../src/index.ts';

type Tree = { [key: string]: unknown };

/** microconf, as a service would use it: two file sources and the environment. */
export function loadMicroconf(dir: string, env: Record<string, string>): Promise<Config> {
  return createConfig({
    // The largest data set (50,000 keys) holds 130,000 values a layer, past the default of 100,000.
    maxValues: 1_000_000,
    sources: [
      fileSource(join(dir, 'default.json')),
      fileSource(join(dir, 'production.json')),
      envSource({ strippedPrefix: 'APP', separator: '__', env }),
    ],
  });
}

/** node-config's own loader (what `require('config')` runs), without the singleton. */
export async function loadNodeConfig(dir: string): Promise<Tree> {
  const { Load } = (await import('config/lib/util.js')) as unknown as {
    Load: new (options: Record<string, unknown>) => { scan(): Tree };
  };
  return new Load({ configDir: dir, nodeEnv: ['production'], skipConfigSources: true }).scan();
}

/** nconf: an env store, then the production file, then the defaults file (it merges at get time). */
export async function loadNconf(dir: string, env: Record<string, string>): Promise<{ get(key: string): unknown }> {
  const nconf = (await import('nconf')).default;
  const provider = new nconf.Provider();
  // nconf reads process.env: keep the APP__ variables, without their prefix.
  provider.env({
    separator: '__',
    whitelist: Object.keys(env).map((name) => name.slice(5)),
    transform: (entry: { key: string; value: unknown }) => (entry.key.startsWith('APP__') ? { ...entry, key: entry.key.slice(5) } : entry),
  });
  provider.file('production', { file: join(dir, 'production.json') });
  provider.file('default', { file: join(dir, 'default.json') });
  return provider;
}

/** A convict schema for the data set (one entry per leaf, `env` bound for the 20 variables); treated as code. */
export function convictSchema(defaults: Tree, env: Record<string, string>): Tree {
  const byPath = new Map(Object.keys(env).map((name) => [name.slice(5).split('__').join('.'), name]));
  const walk = (node: Tree, path: string[]): Tree => {
    const out: Tree = {};
    for (const [key, value] of Object.entries(node)) {
      const here = [...path, key];
      if (value && typeof value === 'object' && !Array.isArray(value)) out[key] = walk(value as Tree, here);
      else out[key] = { default: value, format: '*', ...(byPath.has(here.join('.')) ? { env: byPath.get(here.join('.')) } : {}) };
    }
    return out;
  };
  return walk(defaults, []);
}

/** convict: construct with the schema, load the production file. */
export async function loadConvict(dir: string, schema: Tree): Promise<{ get(key: string): unknown; has(key: string): boolean }> {
  const convict = (await import('convict')).default;
  const config = convict(schema as never);
  config.loadFile(join(dir, 'production.json'));
  return config as unknown as { get(key: string): unknown; has(key: string): boolean };
}

/** Floor: read and parse both files, build the env layer, deep-merge in place. */
export async function loadFloor(dir: string, env: Record<string, string>): Promise<Tree> {
  const [a, b] = await Promise.all([readFile(join(dir, 'default.json'), 'utf8'), readFile(join(dir, 'production.json'), 'utf8')]);
  const merged = JSON.parse(a) as Tree;
  deepMerge(merged, JSON.parse(b) as Tree);
  const layer: Tree = {};
  for (const [name, value] of Object.entries(env)) {
    const segments = name.slice(5).split('__');
    let node = layer;
    for (const key of segments.slice(0, -1)) node = (node[key] ??= {}) as Tree;
    node[segments.at(-1)!] = value;
  }
  deepMerge(merged, layer);
  return merged;
}

function deepMerge(target: Tree, source: Tree): void {
  for (const key of Object.keys(source)) {
    const value = source[key];
    const existing = target[key];
    if (value && typeof value === 'object' && !Array.isArray(value) && existing && typeof existing === 'object' && !Array.isArray(existing)) {
      deepMerge(existing as Tree, value as Tree);
    } else {
      target[key] = value;
    }
  }
}

/** Floor: a flat index of every leaf and subtree by dotted path. */
export function flatIndex(tree: Tree): Map<string, unknown> {
  const index = new Map<string, unknown>();
  const walk = (node: unknown, path: string) => {
    if (path) index.set(path, node);
    if (node && typeof node === 'object' && !Array.isArray(node)) {
      for (const [key, value] of Object.entries(node)) walk(value, path ? `${path}.${key}` : key);
    }
  };
  walk(tree, '');
  return index;
}
