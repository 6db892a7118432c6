import { afterEach, describe, expect, it } from 'vitest';
import { createConfig, memorySource, type Config, type MemorySource } from '../../src/index.ts';
import { createServer as createTcpServer } from 'node:net';
import { ConfigError } from '../../src/index.ts';
import {
  CallError,
  createClient,
  createService,
  errors,
  HandlerError,
  memoryRegistry,
  RegistryError,
  type Client,
  type HandlerContext,
  type Service,
} from '../../src/service/index.ts';
import { startConsulEmulator, type ConsulEmulator } from '../consul-emulator.ts';
import { startEtcd, type EtcdServer } from '../helpers/etcd.ts';
import { eventually } from '../helpers/events.ts';
import { freePort } from '../helpers/ports.ts';
import { serverAvailable } from '../helpers/servers.ts';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

let namespace = 0;
let slowStarted = 0;
async function setup(extra: Record<string, unknown> = {}) {
  const runtime = memorySource({ registry: 'memory', registries: { memory: { namespace: `test-${++namespace}` } }, ...extra });
  const config = await createConfig({
    defaults: { handlers: { popular: { greeting: 'Ping' } }, server: { ttl: '2s' }, client: { timeout: '3s' } },
    sources: [runtime],
  });
  const service = createService({ name: 'popular', config }).handle('Popular', {
    async ping(request, ctx) {
      return { message: `${ctx.options.get('greeting').string('Ping')} ${(request as { name: string }).name}` };
    },
    async options(_request, ctx) {
      return ctx.options.scan();
    },
    async slow(request) {
      slowStarted++;
      await new Promise((resolve) => setTimeout(resolve, (request as { ms: number }).ms));
      return 'done';
    },
    async fail() {
      throw new Error('handler broke');
    },
  });
  const client = createClient({ config });
  cleanup.push(() => config.close(), () => service.stop(), () => client.close());
  await service.start();
  return { runtime, config, service, client };
}

describe('service and client', () => {
  it('serves a handler found through the registry', async () => {
    const { client, service } = await setup();
    expect(await client.call('popular', 'Popular.Ping', { name: 'winyh' })).toEqual({ message: 'Ping winyh' });
    expect(service.registry).toBe('memory');
    expect(service.address).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('hands each call the options of the snapshot current when it arrives', async () => {
    const { client, runtime } = await setup();
    runtime.set('handlers.popular.greeting', 'Hello');
    await eventually(async () => expect(await client.call('popular', 'Popular.Ping', { name: 'a' })).toEqual({ message: 'Hello a' }));
    runtime.set('handlers.popular', { greeting: 'Hey', extra: [1] });
    expect(await client.call('popular', 'Popular.Ping', { name: 'b' })).toEqual({ message: 'Hey b' });
    expect(await client.call('popular', 'Popular.Options')).toEqual({ greeting: 'Hey', extra: [1] });
  });

  it('reports unknown endpoints and handler failures as CallErrors, without retrying', async () => {
    const { client } = await setup();
    await expect(client.call('popular', 'Popular.Nope')).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
    await expect(client.call('popular', 'Popular.ToString')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(client.call('popular', 'Popular.Fail')).rejects.toMatchObject({ code: 'REMOTE', status: 500, detail: 'internal server error' });
    const error = await client.call('nobody', 'X.Y', {}, { timeout: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallError);
    expect((error as CallError).code).toBe('TIMEOUT');
  });

  it('says, when a call runs out of time, whether no node of the service was found or nodes were found but none answered', async () => {
    const { client } = await setup();
    // Before, both said 'no node answered within 200 ms'.
    const none = await client.call('nosuch', 'X.Y', {}, { timeout: 200 }).catch((e: unknown) => e);
    expect(none).toMatchObject({ code: 'TIMEOUT', message: 'nosuch X.Y: no node of nosuch was found in the memory registry within 200 ms' });
    const port = await freePort();
    const registry = memoryRegistry({ namespace: `test-${namespace}` });
    await registry.register({ id: 'silent-1', service: 'silent', version: '1', address: `127.0.0.1:${port}`, metadata: {} }, 60_000);
    cleanup.push(() => registry.close());
    const silent = await client.call('silent', 'X.Y', {}, { timeout: 1000 }).catch((e: unknown) => e);
    expect(silent).toMatchObject({ code: 'TIMEOUT', message: `silent X.Y: no node answered within 1000 ms (the node at 127.0.0.1:${port} could not be reached)` });
  });

  it('drains calls in flight on stop, and deregisters first', async () => {
    const { client, service } = await setup();
    const before = slowStarted;
    const slow = client.call('popular', 'Popular.Slow', { ms: 300 });
    await eventually(() => expect(slowStarted).toBe(before + 1));
    const stopped = service.stop();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await memoryRegistry({ namespace: `test-${namespace}` }).lookup('popular')).toEqual([]);
    expect(await slow).toBe('done');
    await stopped;
    await expect(client.call('popular', 'Popular.Ping', { name: 'x' }, { timeout: 200 })).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('uses the round-robin selector when configured', async () => {
    const { client, config } = await setup({ client: { selector: 'roundrobin' } });
    const second = createService({ name: 'popular', config }).handle('Popular', { async ping() {
      return { message: 'second' };
    } });
    cleanup.push(() => second.stop());
    await second.start();
    const answers = new Set<string>();
    for (let i = 0; i < 4; i++) answers.add(((await client.call('popular', 'Popular.Ping', { name: 'x' })) as { message: string }).message);
    expect(answers).toEqual(new Set(['Ping x', 'second']));
  });
});

describe('handlers', () => {
  it('lets a handler choose its status and detail with a typed error, and hides any other failure behind an id', async () => {
    const { client, service } = await setup();
    service.handle('Typed', {
      async missing() {
        throw errors.NotFound('popular.typed', 'no such user');
      },
      async forbidden() {
        throw errors.Forbidden('popular.typed', 'not yours');
      },
      async conflict() {
        throw errors.Conflict('popular.typed', 'taken');
      },
      async secret() {
        throw new Error('password=hunter2 rejected by db');
      },
      async unserializable() {
        return { n: 1n };
      },
    });
    await expect(client.call('popular', 'Typed.Missing')).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404, id: 'popular.typed', detail: 'no such user' });
    await expect(client.call('popular', 'Typed.Forbidden')).rejects.toMatchObject({ code: 'REMOTE', status: 403, detail: 'not yours' });
    await expect(client.call('popular', 'Typed.Conflict')).rejects.toMatchObject({ status: 409, detail: 'taken' });
    const reported: Error[] = [];
    service.on('error', (error) => reported.push(error));
    for (const endpoint of ['Typed.Secret', 'Typed.Unserializable']) {
      const error = (await client.call('popular', endpoint).catch((e: unknown) => e)) as CallError;
      expect(error).toMatchObject({ code: 'REMOTE', status: 500, detail: 'internal server error' });
      expect(error.message).not.toContain('hunter2');
      const event = reported.at(-1);
      expect(event).toBeInstanceOf(HandlerError);
      expect((event as HandlerError).id).toBe(error.id);
      expect((event as HandlerError).endpoint).toBe(endpoint);
    }
    expect((reported[0]!.cause as Error).message).toContain('hunter2');
  });

  it('serves a class instance, whose methods keep `this`, and never members of Object.prototype', async () => {
    const { client, service } = await setup();
    class Counter {
      private count = 0;
      async add(request: unknown, ctx: HandlerContext) {
        this.count += (request as { n: number }).n;
        return { count: this.count, greeting: ctx.options.get('greeting').string('none') };
      }
    }
    class Named extends Counter {
      async name() {
        return 'counter';
      }
    }
    service.handle('Counter', new Named());
    expect(await client.call('popular', 'Counter.Add', { n: 2 })).toEqual({ count: 2, greeting: 'none' });
    expect(await client.call('popular', 'Counter.Add', { n: 3 })).toEqual({ count: 5, greeting: 'none' });
    expect(await client.call('popular', 'Counter.Name')).toBe('counter');
    for (const endpoint of ['Counter.Constructor', 'Counter.ToString', 'Counter.HasOwnProperty', 'Counter.Count', 'Counter.Add.Extra']) {
      await expect(client.call('popular', endpoint)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
  });
});

describe('server addresses', () => {
  it('listens on a bare port (on loopback), and advertises and dials [::1]', async () => {
    const port = await freePort();
    const bare = await setup({ server: { address: String(port), ttl: '2s' } });
    expect(bare.service.address).toBe(`127.0.0.1:${port}`);
    expect(await bare.client.call('popular', 'Popular.Ping', { name: 'a' })).toEqual({ message: 'Ping a' });
    const v6 = await setup({ server: { address: '[::1]:0', ttl: '2s' } });
    expect(v6.service.address).toMatch(/^\[::1\]:\d+$/);
    expect(await v6.client.call('popular', 'Popular.Ping', { name: 'b' })).toEqual({ message: 'Ping b' });
  });

  it('refuses an address it cannot read, and an unknown registry, with a ConfigError naming the key', async () => {
    for (const [settings, path] of [
      [{ server: { address: '::1:80' } }, 'server.address'],
      [{ server: { address: 'h:99999' } }, 'server.address'],
      [{ registry: 'zookeeper' }, 'registry'],
    ] as const) {
      const config = await createConfig({ sources: [memorySource(settings)] });
      cleanup.push(() => config.close());
      const error = await createService({ name: 'x', config }).start().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect(error).toMatchObject({ code: 'INVALID_OPTION', path });
    }
  });
});

describe('unreachable registries at start', () => {
  async function startIn(settings: Record<string, unknown>) {
    const config = await createConfig({ sources: [memorySource({ ...settings, server: { registerTimeout: '1s' } })] });
    cleanup.push(() => config.close());
    const service = createService({ name: 'popular', config });
    const error = (await service.start().catch((e: unknown) => e)) as RegistryError;
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.stack?.split('\n')[0]).toBe(`RegistryError: ${error.message}`);
    expect(service.address).toBeUndefined();
    await service.stop();
    return error;
  }

  it('rejects with a RegistryError naming the registry and its address', async () => {
    const closed = await freePort();
    const consul = await startIn({ registry: 'consul', registries: { consul: { address: `127.0.0.1:${closed}` } } });
    expect(consul).toMatchObject({ code: 'UNREACHABLE', registry: 'consul', address: `127.0.0.1:${closed}` });
    expect(consul.message).toBe(`consul registry at 127.0.0.1:${closed} is unreachable (ECONNREFUSED): could not register popular`);
  });

  it('gives up on a registry that accepts connections and never answers, after server.registerTimeout', async () => {
    // Reads (so it sees the client leave) and never answers.
    const silent = createTcpServer((socket) => socket.resume());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    cleanup.push(() => new Promise((resolve) => silent.close(resolve)));
    const error = await startIn({ registry: 'consul', registries: { consul: { address: `127.0.0.1:${port}` } } });
    expect(error).toMatchObject({ code: 'TIMEOUT', registry: 'consul', message: `consul registry at 127.0.0.1:${port} did not answer in time: could not register popular` });
  });
});

describe('an unreachable registry while running', () => {
  it('stays where it is, reports a RegistryError naming the registry, and goes on serving', async () => {
    const { client, service, runtime } = await setup();
    const closed = await freePort();
    const reported = new Promise<Error>((resolve) => service.once('error', resolve));
    runtime.set('registries.consul', { address: `127.0.0.1:${closed}` });
    runtime.set('registry', 'consul');
    const error = await reported;
    expect(error.message).toBe(`staying in the memory registry: consul registry at 127.0.0.1:${closed} is unreachable (ECONNREFUSED): could not register popular`);
    expect(error.cause).toBeInstanceOf(RegistryError);
    expect(service.registry).toBe('memory');
    runtime.set('registry', 'memory');
    expect(await client.call('popular', 'Popular.Ping', { name: 'still' })).toEqual({ message: 'Ping still' });
  });
});

describe('a TTL the config gets wrong', () => {
  it('takes 0, a negative TTL and one past the longest timer as the default or the longest: the node can be found', async () => {
    for (const ttl of ['0s', '-30s', '1000000h']) {
      const { client } = await setup({ server: { ttl }, client: { timeout: '2s' } });
      // Before, the node expired as it registered (a TTL of 0 or less, or a timer of 3.6e12 ms run after 1 ms).
      expect(await client.call('popular', 'Popular.Ping', { name: ttl }), ttl).toEqual({ message: `Ping ${ttl}` });
    }
  });
});

describe('registry options the config gets wrong', () => {
  it('at start, rejects with the ConfigError and leaves nothing listening', async () => {
    const port = await freePort();
    const config = await createConfig({
      sources: [memorySource({ registry: 'mdns', registries: { mdns: { port: 'none' } }, server: { address: `127.0.0.1:${port}` } })],
    });
    cleanup.push(() => config.close());
    const service = createService({ name: 'popular', config });
    const error = await service.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'INVALID_OPTION', source: 'mdns registry' });
    // The server it started listening with is closed: the port can be taken again.
    const probe = createTcpServer();
    await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(port, '127.0.0.1', resolve));
    await new Promise((resolve) => probe.close(resolve));
    await service.stop();
  });

  it('while running, reports the refusal, stays where it is and follows the next change', async () => {
    const { client, service, runtime } = await setup();
    const reported = new Promise<Error>((resolve) => service.once('error', resolve));
    runtime.set('registries.mdns', { port: 'none' });
    runtime.set('registry', 'mdns');
    const error = await reported;
    expect(error.message).toBe('staying in the memory registry: mdns registry: port must be a port number from 1 to 65535');
    expect(error.cause).toMatchObject({ code: 'INVALID_OPTION' });
    expect(service.registry).toBe('memory');
    // The next change is still followed: the service moves to another memory namespace.
    const registered = new Promise<string>((resolve) => service.once('registered', resolve));
    runtime.set('registry', 'memory');
    runtime.set('registries.memory', { namespace: `test-${++namespace}` });
    expect(await registered).toBe('memory');
    expect(await client.call('popular', 'Popular.Ping', { name: 'still' })).toEqual({ message: 'Ping still' });
  });
});

describe.runIf(serverAvailable('etcd'))('a client whose registry options are refused for a while', () => {
  let etcd: EtcdServer | undefined;
  afterEach(async () => {
    await etcd?.dispose();
    etcd = undefined;
  });

  it('keeps its registry open, and uses it again when the config is put right', async () => {
    etcd = await startEtcd();
    const { client, runtime } = await setup({ client: { timeout: '1s' } });
    runtime.set('registries.etcd', { hosts: etcd.endpoint, prefix: `/test-${++namespace}` });
    runtime.set('registry', 'etcd');
    await eventually(async () => expect(await client.call('popular', 'Popular.Ping', { name: 'a' })).toEqual({ message: 'Ping a' }));
    runtime.set('registries.mdns', { port: 'none' });
    runtime.set('registry', 'mdns');
    await eventually(async () => expect(await client.call('popular', 'Popular.Ping', { name: 'b' }).catch((e: unknown) => e)).toMatchObject({ code: 'TIMEOUT' }));
    // A registry the client retires is closed 5 s later; the etcd one was retired before (a closed etcd3 client).
    await new Promise((resolve) => setTimeout(resolve, 5500));
    runtime.set('registry', 'etcd');
    await eventually(async () => expect(await client.call('popular', 'Popular.Ping', { name: 'c' })).toEqual({ message: 'Ping c' }));
  });
});

describe('registry swap under load', () => {
  let emulator: ConsulEmulator | undefined;
  let etcd: EtcdServer | undefined;
  afterEach(async () => {
    await emulator?.stop();
    await etcd?.dispose();
    emulator = undefined;
    etcd = undefined;
  });

  it('moves between every registry while calls stream in, failing none', async () => {
    emulator = await startConsulEmulator();
    const withEtcd = serverAvailable('etcd');
    if (withEtcd) etcd = await startEtcd();
    const mdnsPort = await freePort();
    const { client, service, runtime } = await setup({ client: { timeout: '20s' } });
    runtime.set('registries', {
      memory: { namespace: `test-${namespace}` },
      consul: { address: emulator.address },
      mdns: { interface: '127.0.0.1', bind: '224.0.0.251', port: mdnsPort },
      ...(etcd ? { etcd: { hosts: etcd.endpoint, prefix: `/registry-${namespace}` } } : {}),
    });
    const order = ['consul', ...(withEtcd ? ['etcd'] : []), 'mdns', 'memory'];

    let calls = 0;
    const failures: unknown[] = [];
    let running = true;
    const callers = Array.from({ length: 4 }, async (_, i) => {
      while (running) {
        try {
          const answer = await client.call('popular', 'Popular.Ping', { name: `c${i}` });
          expect(answer).toEqual({ message: `Ping c${i}` });
          calls++;
        } catch (error) {
          failures.push(error);
        }
      }
    });
    const moves: string[] = [];
    service.on('registered', (kind) => moves.push(`+${kind}`));
    service.on('deregistered', (kind) => moves.push(`-${kind}`));
    for (const kind of order) {
      const before = calls;
      runtime.set('registry', kind);
      await eventually(() => expect(service.registry).toBe(kind));
      await eventually(() => expect(calls).toBeGreaterThan(before + 20));
    }
    running = false;
    await Promise.all(callers);
    expect(failures).toEqual([]);
    // Always registered in the new registry before leaving the old one.
    const expected = ['memory', ...order].slice(0, -1).flatMap((from, i) => [`+${order[i]}`, `-${from}`]);
    expect(moves).toEqual(expected);
  }, 180_000);
});

export type { Client, Config, MemorySource, Service };
