// A Consul source converges to what the KV store holds after each fault, one at a time: the last value written is
// the one published, and nothing published is older than what was published before it. Faults need injection, so
// these run against the KV emulator (test/consul-emulator.ts), which follows Consul's documented KV API; it is not
// Consul. Verdicts are events and the final state, never how long it took.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { consulSource, createConfig, type Config, type ConfigError, type ConsulSourceOptions } from '../../src/index.ts';
import { startConsulEmulator, type ConsulEmulator, type Fault } from '../consul-emulator.ts';
import { eventually, nextError, settle } from '../helpers/events.ts';
import { recordSnapshots } from '../helpers/snapshots.ts';

let emulator: ConsulEmulator;
const open: Config[] = [];
beforeEach(async () => {
  emulator = await startConsulEmulator();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((config) => config.close()));
  await emulator.stop();
});

async function load(options: ConsulSourceOptions = {}, limits: { maxBytes?: number } = {}): Promise<Config> {
  const config = await createConfig({
    ...limits,
    sources: [consulSource({ prefix: 'app', address: emulator.address, wait: '1s', timeout: 500, maxRetryDelay: 200, ...options })],
  });
  open.push(config);
  return config;
}

/** The keys under `app/` as the emulator holds them, mapped as the source maps JSON values. */
function held(): Record<string, unknown> {
  return Object.fromEntries(emulator.list('app/').map(({ key, value }) => [key.slice('app/'.length), JSON.parse(value) as unknown]));
}

/** Waits until the config holds what the store holds, by its change events. */
async function converged(config: Config): Promise<void> {
  await eventually(() => expect(config.map()).toEqual(held()));
}

describe('Consul converges after each fault', () => {
  it('takes a change answered with the same index as the answer before it', async () => {
    emulator.put('app/n', '1');
    const config = await load();
    const record = recordSnapshots(config, 'n');
    // From here on every answer says the index is what it is now, whatever it holds.
    emulator.fault({ kind: 'index', index: emulator.index });
    emulator.put('app/n', '2');
    await eventually(() => expect(config.get('n').int()).toBe(2));
    emulator.put('app/n', '3');
    await eventually(() => expect(config.get('n').int()).toBe(3));
    emulator.fault(undefined);
    emulator.put('app/n', '4');
    await eventually(() => expect(config.get('n').int()).toBe(4));
    record.expectMonotonic(4);
  });

  it('follows an index that drops to 0 and comes back, with writes at each step', async () => {
    emulator.put('app/n', '1');
    const config = await load();
    const record = recordSnapshots(config, 'n');
    emulator.fault({ kind: 'zeroIndex' });
    emulator.put('app/n', '2');
    await eventually(() => expect(config.get('n').int()).toBe(2));
    emulator.fault(undefined);
    emulator.put('app/n', '3');
    await eventually(() => expect(config.get('n').int()).toBe(3));
    record.expectMonotonic(3);
  });

  it('takes what the store holds after its index went back, keys deleted meanwhile included', async () => {
    for (let i = 0; i < 20; i++) emulator.put('app/filler', String(i));
    emulator.put('app/gone', '1');
    emulator.put('app/n', '1');
    const config = await load();
    emulator.resetIndex(3);
    emulator.del('app/gone');
    emulator.put('app/n', '2');
    await converged(config);
    expect(config.map()).toEqual({ filler: 19, n: 2 });
  });

  for (const status of [500, 503]) {
    it(`rides out a burst of ${status}s, reporting it once, and takes what was written during it`, async () => {
      emulator.put('app/n', '1');
      const config = await load();
      const record = recordSnapshots(config, 'n');
      const errors: ConfigError[] = [];
      config.on('error', (error) => errors.push(error));
      emulator.fault({ kind: 'status', status, count: 8 });
      emulator.put('app/n', '2');
      emulator.put('app/n', '3');
      await eventually(() => expect(config.get('n').int()).toBe(3));
      expect(errors.map((error) => error.code)).toEqual(['WATCH']);
      emulator.put('app/n', '4');
      await eventually(() => expect(config.get('n').int()).toBe(4));
      record.expectMonotonic(4);
    });
  }

  // A blocking query waits up to 10 minutes here: an answer stopped midway must be given up on by the plain read's
  // timeout once it has begun, not by the blocking query's (10 minutes and a bit), which the test does not wait for.
  for (const ending of ['stalls', 'is cut off'] as const) {
    it(`gives up on an answer that ${ending} midway within the read timeout, and converges`, async () => {
      emulator.put('app/n', '1');
      const config = await load({ wait: '10m' });
      const record = recordSnapshots(config, 'n');
      await settle(100);
      emulator.fault({ kind: 'stallBody' });
      const error = nextError(config);
      emulator.put('app/n', '2');
      if (ending === 'is cut off') {
        // The half answer has been sent; then the connection closes.
        await eventually(() => expect(emulator.hanging).toBeGreaterThan(0));
        emulator.fault(undefined);
      }
      expect((await error).code).toBe('WATCH');
      emulator.fault(undefined);
      emulator.put('app/n', '3');
      await eventually(() => expect(config.get('n').int()).toBe(3));
      record.expectMonotonic(3);
    }, 60_000);
  }

  it('refuses a huge answer as LIMIT, keeps the previous layer, and takes the store again once it is small', async () => {
    emulator.put('app/n', '1');
    // Building so large an answer takes the emulator a while: the read's timeout must not be what fails it.
    const config = await load({ timeout: 30_000 }, { maxBytes: 4096 });
    // Following: a write arrives by a blocking query.
    emulator.put('app/n', '2');
    await eventually(() => expect(config.get('n').int()).toBe(2));
    const error = nextError(config);
    // Larger on the wire than a layer within 4 KiB can be (twice that and 16 MiB): cut off as it arrives.
    emulator.put('app/big', JSON.stringify('x'.repeat(17 * 1024 * 1024)));
    expect((await error).message).toMatch(/larger than \d+ bytes|maxBytes/);
    expect(config.map()).toEqual({ n: 2 });
    emulator.del('app/big');
    emulator.put('app/n', '3');
    await eventually(() => expect(config.map()).toEqual({ n: 3 }));
  }, 60_000);

  it('gives up on a blocking query that never returns by its own timeout, and converges', async () => {
    emulator.put('app/n', '1');
    const config = await load({ wait: '200ms' });
    await settle(100);
    emulator.fault({ kind: 'hang' });
    const error = nextError(config);
    emulator.put('app/n', '2');
    expect((await error).code).toBe('WATCH');
    emulator.fault(undefined);
    await eventually(() => expect(config.get('n').int()).toBe(2));
  });

  const faults: { name: string; fault: Fault; options?: ConsulSourceOptions }[] = [
    { name: 'a blocking query hangs', fault: { kind: 'hang' }, options: { wait: '10m', timeout: 600_000 } },
    { name: 'an answer stalls midway', fault: { kind: 'stallBody' }, options: { wait: '10m', timeout: 600_000 } },
    { name: 'every answer is a 503', fault: { kind: 'status', status: 503, count: 1_000_000 } },
    { name: 'the index is stuck', fault: { kind: 'index', index: 1 } },
    { name: 'the index is 0', fault: { kind: 'zeroIndex' } },
  ];
  for (const { name, fault, options } of faults) {
    it(`closes at once while ${name}, and asks and publishes nothing after`, async () => {
      emulator.put('app/n', '1');
      const config = await createConfig({ sources: [consulSource({ prefix: 'app', address: emulator.address, wait: '1s', timeout: 500, maxRetryDelay: 50, ...options })] });
      emulator.fault(fault);
      emulator.put('app/n', '2');
      // Under way: the fault has been met at least once.
      const before = emulator.requests;
      await eventually(() => expect(emulator.requests).toBeGreaterThan(before));
      const changes: unknown[] = [];
      config.on('change', (event) => changes.push(event));
      // Past the test's own timeout if close() waited for a query's.
      await config.close();
      const after = emulator.requests;
      emulator.fault(undefined);
      emulator.put('app/n', '3');
      await settle(500);
      expect(emulator.requests).toBe(after);
      await eventually(() => expect(emulator.hanging).toBe(0));
      expect(changes).toEqual([]);
    }, 60_000);
  }
});
