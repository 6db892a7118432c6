// The Consul registry against an agent that accepts connections and then never answers, or stops halfway through
// an answer: every call ends within the registry's `timeout`, and the next one after the agent recovers succeeds.
// Faults need injection, so these run against the emulator (test/consul-emulator.ts), which is not Consul.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, createConfig, memorySource, type Config } from '../../src/index.ts';
import { consulRegistry, createClient, createService, RegistryError, type Registry, type ServiceNode } from '../../src/service/index.ts';
import { startConsulEmulator, type ConsulEmulator } from '../consul-emulator.ts';
import { eventually } from '../helpers/events.ts';

/** The registry's timeout in these tests (ms). */
const TIMEOUT = 300;
/** How long a call may take before it counts as hung: far past TIMEOUT, far short of any other bound in play. */
const HUNG = 15_000;

let emulator: ConsulEmulator;
const cleanup: (() => Promise<unknown>)[] = [];
beforeEach(async () => {
  emulator = await startConsulEmulator();
});
afterEach(async () => {
  // First: what a hung agent holds is let go, so that nothing left behind by a failing test waits on it.
  await emulator.stop();
  for (const step of cleanup.splice(0).reverse()) await step();
});

function registry(): Registry {
  const made = consulRegistry({ address: emulator.address, timeout: TIMEOUT, interval: 50 });
  cleanup.push(() => made.close());
  return made;
}

const node = (id: string, port: number): ServiceNode => ({ id, service: 'svc', version: '1', address: `127.0.0.1:${port}`, metadata: {} });

/** How a promise settled, or `hung` when it had not within HUNG ms. */
async function settled<T>(promise: Promise<T>): Promise<{ value: T } | { error: unknown } | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), HUNG)));
  try {
    return await Promise.race([promise.then((value) => ({ value }), (error: unknown) => ({ error })), hung]);
  } finally {
    clearTimeout(timer);
  }
}

function timedOut(action: string) {
  return { error: expect.objectContaining({ name: 'RegistryError', code: 'TIMEOUT', message: `consul registry at ${emulator.address} did not answer in time: could not ${action}` }) };
}

describe('the Consul registry against a hung agent', () => {
  it('rejects a look-up within its timeout, with a RegistryError naming the registry', async () => {
    const consul = registry();
    emulator.fault({ kind: 'hang', on: 'agent' });
    const result = await settled(consul.lookup('svc'));
    expect(result).toEqual(timedOut('look up svc'));
    expect((result as { error: unknown }).error).toBeInstanceOf(RegistryError);
    // Ended, not left waiting: the agent sees the request go.
    await eventually(() => expect(emulator.hanging).toBe(0));
  });

  it('rejects a registration and a deregistration within its timeout', async () => {
    const consul = registry();
    emulator.fault({ kind: 'hang', on: 'agent' });
    expect(await settled(consul.register(node('a', 1001), 10_000))).toEqual(timedOut('register svc'));
    expect(await settled(consul.deregister(node('a', 1001)))).toEqual(timedOut('deregister svc'));
  });

  it('fails a call whose answer stalls halfway, and the next one after the agent recovers succeeds', async () => {
    const consul = registry();
    await consul.register(node('a', 1001), 10_000);
    emulator.fault({ kind: 'stallBody', on: 'agent' });
    const stalled = await settled(consul.lookup('svc'));
    expect(stalled).toMatchObject({ error: expect.any(RegistryError) });
    expect(await settled(consul.register(node('b', 1002), 10_000))).toMatchObject({ error: expect.any(RegistryError) });
    // Recovered, though what it held stays unanswered.
    emulator.fault(undefined, { keepHeld: true });
    expect(await settled(consul.lookup('svc'))).toEqual({ value: [node('a', 1001)] });
    expect(await settled(consul.register(node('b', 1002), 10_000))).toEqual({ value: undefined });
    expect(await settled(consul.lookup('svc'))).toEqual({ value: [node('a', 1001), node('b', 1002)] });
  });

  it('resumes a watch once the agent recovers, though its look-up in flight is never answered', async () => {
    const consul = registry();
    await consul.register(node('a', 1001), 10_000);
    const controller = new AbortController();
    cleanup.push(async () => controller.abort());
    const seen: string[][] = [];
    const watching = (async () => {
      for await (const nodes of consul.watch('svc', controller.signal)) {
        seen.push(nodes.map((n) => n.id));
        if (nodes.length === 2) return;
      }
    })();
    await eventually(() => expect(seen).toEqual([['a']]));
    emulator.fault({ kind: 'hang', on: 'agent' });
    await eventually(() => expect(emulator.hanging).toBeGreaterThan(0));
    emulator.fault(undefined, { keepHeld: true });
    await consul.register(node('b', 1002), 10_000);
    expect(await settled(watching)).toEqual({ value: undefined });
    expect(seen).toEqual([['a'], ['a', 'b']]);
  });

  it('refuses a timeout that is no positive number of milliseconds, naming the option', async () => {
    for (const timeout of [0, -1, Number.NaN]) {
      expect(() => consulRegistry({ address: emulator.address, timeout })).toThrow(ConfigError);
    }
    expect(() => consulRegistry({ address: emulator.address, timeout: 0 })).toThrow('timeout must be a number of milliseconds, more than 0');
  });
});

describe('the service runtime on a hung Consul agent', () => {
  async function setup(): Promise<Config> {
    const config = await createConfig({
      sources: [
        memorySource({
          registry: 'consul',
          registries: { consul: { address: emulator.address, timeout: `${TIMEOUT}ms` } },
          // Bounds far past HUNG: only the registry's timeout can end a hung request in time.
          server: { drainTimeout: '10m', registerTimeout: '10m' },
          client: { timeout: '10m' },
        }),
      ],
    });
    cleanup.push(() => config.close());
    return config;
  }

  it('refuses a registries.consul.timeout that is no duration', async () => {
    const config = await createConfig({ sources: [memorySource({ registry: 'consul', registries: { consul: { address: emulator.address, timeout: 'soon' } } })] });
    cleanup.push(() => config.close());
    const error = await createService({ name: 'popular', config }).start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'INVALID_OPTION', source: 'consul registry' });
  });

  it('stops: the deregistration fails with a clear error, and stopping goes on', async () => {
    const config = await setup();
    const service = createService({ name: 'popular', config });
    cleanup.push(() => service.stop());
    const errors: Error[] = [];
    service.on('error', (error) => errors.push(error));
    await service.start();
    emulator.fault({ kind: 'hang', on: 'agent' });
    expect(await settled(service.stop())).toEqual({ value: undefined });
    expect(errors).toEqual([expect.objectContaining({ name: 'RegistryError', code: 'TIMEOUT', message: `consul registry at ${emulator.address} did not answer in time: could not deregister popular` })]);
  });

  it("a client's call finds the service once the agent recovers, though its look-up in flight is never answered", async () => {
    const config = await setup();
    const service = createService({ name: 'popular', config }).handle('Popular', { ping: async () => 'pong' });
    const client = createClient({ config });
    cleanup.push(() => service.stop(), () => client.close());
    await service.start();
    emulator.fault({ kind: 'hang', on: 'agent' });
    const call = settled(client.call('popular', 'Popular.Ping', {}));
    await eventually(() => expect(emulator.hanging).toBeGreaterThan(0));
    emulator.fault(undefined, { keepHeld: true });
    expect(await call).toEqual({ value: 'pong' });
  });
});
