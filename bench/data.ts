// A seeded generator of layered configuration data: the same for every library, so they load the same layers.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { random } from '../test/helpers/random.ts';

type Node = { [key: string]: Node | string | number | boolean | string[] };

/** The probe paths every library is asked for. */
export const PROBES = {
  leaf: 'hosts.database.primary.port', // 6432, from the production layer
  subtree: 'hosts.database', // 6 children, 14 leaves
  missing: 'hosts.database.primary.nope',
};

/**
 * Missing paths, read in turn when a missing key is timed: a hash lookup that misses costs what the bucket its key
 * falls in holds, which V8's per-process hash seed decides, so one key alone measures luck.
 */
export const MISSING = [PROBES.missing, ...Array.from({ length: 15 }, (_, i) => `hosts.database.${['primary', 'replica', 'tls'][i % 3]}.absent${i}`)];

/** A generated data set: two file layers, 20 environment overrides, and every leaf path. */
export interface DataSet {
  size: number;
  defaults: Node;
  production: Node;
  env: Record<string, string>;
  leaves: string[];
}

function leafValue(rand: () => number, i: number): Node[string] {
  const kind = rand();
  if (kind < 0.42) return `value-${i}-${Math.floor(rand() * 1e6)}`;
  if (kind < 0.85) return Math.floor(rand() * 100_000);
  if (kind < 0.93) return rand() < 0.5;
  return [`a${i}`, `b${i}`];
}

/** Generates `size` leaves nested up to depth 6, seeded so every run and library sees the same data. */
export function generate(size: number, seed = 42): DataSet {
  const rand = random(seed + size);
  const defaults: Node = {
    hosts: {
      database: {
        primary: { host: 'db-primary.internal', port: 5432, pool: 10 },
        replica: { host: 'db-replica.internal', port: 5433, pool: 5 },
        user: 'app',
        name: 'app',
        timeouts: { connect: '5s', query: '30s', idle: '10m' },
        tls: { enabled: true, verify: true },
      },
    },
  };
  const leaves = [
    'hosts.database.primary.host', 'hosts.database.primary.port', 'hosts.database.primary.pool',
    'hosts.database.replica.host', 'hosts.database.replica.port', 'hosts.database.replica.pool',
    'hosts.database.user', 'hosts.database.name', 'hosts.database.timeouts.connect', 'hosts.database.timeouts.query',
    'hosts.database.timeouts.idle', 'hosts.database.tls.enabled', 'hosts.database.tls.verify',
  ];
  let i = leaves.length;
  while (i < size) {
    const depth = 1 + Math.floor(rand() * 6);
    const path = [`s${Math.floor(rand() * Math.max(4, size / 40))}`];
    for (let d = 1; d < depth; d++) path.push(`k${Math.floor(rand() * 8)}`);
    let node = defaults;
    let ok = true;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (next === undefined) node[key] = {};
      else if (typeof next !== 'object' || Array.isArray(next)) {
        ok = false;
        break;
      }
      node = node[key] as Node;
    }
    const last = path.at(-1)!;
    if (!ok || node[last] !== undefined) continue;
    node[last] = leafValue(rand, i);
    leaves.push(path.join('.'));
    i++;
  }
  const production = structuredClone(defaults);
  for (const leaf of leaves) {
    if (rand() >= 0.25) continue;
    const segments = leaf.split('.');
    let node = production;
    for (const key of segments.slice(0, -1)) node = node[key] as Node;
    const value = node[segments.at(-1)!];
    node[segments.at(-1)!] = typeof value === "number" ? value + 1 : typeof value === "string" ? `${value}-prod` : value!;
  }
  ((production.hosts as Node).database as Node).primary = { host: 'db-primary.prod', port: 6432, pool: 20 };
  const env: Record<string, string> = {};
  for (const leaf of leaves.filter((l) => !l.startsWith('hosts.')).slice(0, 20)) env[`APP__${leaf.split('.').join('__')}`] = `env-${leaf}`;
  return { size, defaults, production, env, leaves };
}

/** Writes a data set as node-config's directory: default.json, production.json, custom-environment-variables.json. */
export async function writeDataSet(data: DataSet, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'default.json'), JSON.stringify(data.defaults, null, 2));
  await writeFile(join(dir, 'production.json'), JSON.stringify(data.production, null, 2));
  const mapping: Node = {};
  for (const name of Object.keys(data.env)) {
    const segments = name.slice('APP__'.length).split('__');
    let node = mapping;
    for (const key of segments.slice(0, -1)) node = (node[key] ??= {}) as Node;
    node[segments.at(-1)!] = name;
  }
  await writeFile(join(dir, 'custom-environment-variables.json'), JSON.stringify(mapping, null, 2));
}
