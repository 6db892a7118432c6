import { describe, expect, it } from 'vitest';
import { consulRegistry, etcdRegistry, mdnsRegistry, memoryRegistry, type Registry, type ServiceNode } from '../../src/service/index.ts';
import { freePort } from '../helpers/ports.ts';
import { useBackends } from '../helpers/backends.ts';

const backends = useBackends();
const { hasEtcd } = backends;

const factories: [string, () => Promise<Registry>][] = [
  ['memory', async () => memoryRegistry({ namespace: `registries-${Math.random()}` })],
  ['mdns', async () => mdnsRegistry({ interface: '127.0.0.1', bind: '224.0.0.251', port: await freePort(), interval: 50 })],
  ['consul', async () => consulRegistry({ address: backends.emulator().address, interval: 50 })],
  ...(hasEtcd ? [['etcd', async () => etcdRegistry({ hosts: backends.etcd()!.endpoint, prefix: `/reg-${Math.random()}` })] as [string, () => Promise<Registry>]] : []),
];

const node = (id: string, port: number): ServiceNode => ({ id, service: 'svc', version: '1', address: `127.0.0.1:${port}`, metadata: { zone: 'a' } });

/** Watches `svc`, recording each set of node ids, until a set of `peak` nodes was followed by one of `end`. */
function watchUntil(registry: Registry, peak: number, end: number) {
  const controller = new AbortController();
  const seen: string[][] = [];
  const watching = (async () => {
    for await (const nodes of registry.watch('svc', controller.signal)) {
      seen.push(nodes.map((n) => n.id));
      if (seen.some((ids) => ids.length === peak) && nodes.length === end) controller.abort();
    }
  })();
  return { controller, seen, watching };
}

describe.each(factories)('%s registry', (_kind, make) => {
  it('registers, looks up, watches and deregisters nodes', async () => {
    const registry = await make();
    const { controller, seen, watching } = watchUntil(registry, 2, 1);
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await registry.register(node('a', 1001), 10_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await registry.register(node('b', 1002), 10_000);
      expect(await registry.lookup('svc')).toEqual([node('a', 1001), node('b', 1002)]);
      expect(await registry.lookup('other')).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await registry.deregister(node('a', 1001));
      expect(await registry.lookup('svc')).toEqual([node('b', 1002)]);
      await watching;
      expect(seen).toContainEqual(['a', 'b']);
      expect(seen.at(-1)).toEqual(['b']);
    } finally {
      controller.abort();
      await registry.deregister(node('b', 1002)).catch(() => {});
      await registry.close();
    }
  });

  it('drops a node that is not refreshed within its TTL, and its watchers hear it', async () => {
    const registry = await make();
    const { controller, seen, watching } = watchUntil(registry, 1, 0);
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await registry.register(node('short', 1003), 1000);
      expect(await registry.lookup('svc')).toEqual([node('short', 1003)]);
      const started = Date.now();
      await watching;
      expect(seen).toContainEqual(['short']);
      expect(seen.at(-1)).toEqual([]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);
      expect(await registry.lookup('svc')).toEqual([]);
    } finally {
      controller.abort();
      await registry.close();
    }
  });
});

describe('memory registry', () => {
  it('keeps a node registered with a TTL past the longest timer (taken as 24.8 days, not run after 1 ms)', async () => {
    const registry = memoryRegistry({ namespace: `long-${Math.random()}` });
    await registry.register(node('long', 1), 1e12);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await registry.lookup('svc')).map((n) => n.id)).toEqual(['long']);
    await registry.deregister(node('long', 1));
  });

  it('tells watchers when a node registers again with other details, and not when it only refreshes', async () => {
    const registry = memoryRegistry({ namespace: `details-${Math.random()}` });
    const controller = new AbortController();
    const seen: string[][] = [];
    const watching = (async () => {
      for await (const nodes of registry.watch('svc', controller.signal)) seen.push(nodes.map((n) => n.address));
    })();
    try {
      await registry.register(node('a', 1001), 10_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await registry.register(node('a', 1001), 10_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      await registry.register(node('a', 2002), 10_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(seen).toEqual([[], ['127.0.0.1:1001'], ['127.0.0.1:2002']]);
    } finally {
      controller.abort();
      await watching;
      await registry.close();
    }
  });
});
