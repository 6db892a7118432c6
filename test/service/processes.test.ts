// The Popular example's service in its own process, found and called from this one through each registry that
// crosses processes: mDNS (kept on loopback), Consul (the KV emulator or a real agent) and etcd (a real server).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createConfig, memorySource } from '../../src/index.ts';
import { createClient, createRegistry, registrySpec } from '../../src/service/index.ts';
import { startChild, type Child } from '../helpers/children.ts';
import { eventually } from '../helpers/events.ts';
import { tempDir } from '../helpers/files.ts';
import { freePort } from '../helpers/ports.ts';
import { useBackends } from '../helpers/backends.ts';

const serviceFile = fileURLToPath(new URL('../../examples/popular/service.ts', import.meta.url));
const backends = useBackends();
const { hasEtcd } = backends;

async function registries(kind: string): Promise<Record<string, unknown>> {
  return {
    registry: kind,
    registries: {
      mdns: { interface: '127.0.0.1', bind: '224.0.0.251', port: await freePort() },
      consul: { address: backends.emulator().address },
      ...(hasEtcd ? { etcd: { hosts: backends.etcd()!.endpoint, prefix: `/registry-${kind}-${Date.now()}` } } : {}),
    },
  };
}

/** Starts the example service in a child with a config file of its own. */
async function startService(settings: Record<string, unknown>, ttl = '10s'): Promise<Child> {
  const file = join(await tempDir(), 'config.json');
  await writeFile(file, JSON.stringify({ ...settings, server: { address: '127.0.0.1:0', ttl }, handlers: { popular: { greeting: 'Ping' } } }));
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MICRO_')));
  const child = startChild(serviceFile, { ...env, POPULAR_CONFIG: file });
  // A child process starts slowly on a busy machine: the bounds here are safety nets, not claims.
  await child.waitFor(/^registered in/);
  return child;
}

const kinds = ['mdns', 'consul', ...(hasEtcd ? ['etcd'] : [])];

describe.each(kinds)('across processes through %s', { timeout: 90_000 }, (kind) => {
  it('finds and calls the service; SIGTERM drains and deregisters it', async () => {
    const settings = await registries(kind);
    const child = await startService(settings);
    const config = await createConfig({ sources: [memorySource({ ...settings, client: { timeout: '20s' } })] });
    const client = createClient({ config });
    try {
      expect(await client.call('popular', 'Popular.Ping', { name: 'winyh' })).toEqual({ message: 'Ping winyh' });
      child.process.kill('SIGTERM');
      await child.waitFor(/^stopped$/);
      expect(await child.exited).toBe(0);
      const registry = createRegistry(registrySpec(config), config);
      expect(await registry.lookup('popular')).toEqual([]);
      await registry.close();
    } finally {
      child.process.kill('SIGKILL');
      await client.close();
      await config.close();
    }
  });
});

describe.each(kinds.filter((kind) => kind !== 'mdns'))('TTL through %s', { timeout: 90_000 }, (kind) => {
  it('removes a node whose process was killed once its TTL lapses', async () => {
    const settings = await registries(kind);
    const child = await startService(settings, '1s');
    const config = await createConfig({ sources: [memorySource(settings)] });
    const registry = createRegistry(registrySpec(config), config);
    try {
      expect(await registry.lookup('popular')).toHaveLength(1);
      // Alive, it re-registers before its TTL ends.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(await registry.lookup('popular')).toHaveLength(1);
      child.process.kill('SIGKILL');
      await child.exited;
      await eventually(async () => expect(await registry.lookup('popular')).toEqual([]));
    } finally {
      await registry.close();
      await config.close();
    }
  });
});

describe('TTL through mdns', { timeout: 90_000 }, () => {
  it('stops finding a node whose process was killed', async () => {
    const settings = await registries('mdns');
    const child = await startService(settings);
    const config = await createConfig({ sources: [memorySource(settings)] });
    const registry = createRegistry(registrySpec(config), config);
    try {
      // A lookup listens 100 ms for answers; on a busy machine the first may come later.
      await eventually(async () => expect(await registry.lookup('popular')).toHaveLength(1));
      child.process.kill('SIGKILL');
      await child.exited;
      expect(await registry.lookup('popular')).toEqual([]);
    } finally {
      await registry.close();
      await config.close();
    }
  });
});
