// Consul misbehaving under a running config. Faults need injection, so these run against the KV emulator
// (test/consul-emulator.ts), which follows Consul's documented KV API; it is not Consul.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, consulSource, createConfig, type Config, type ConsulSourceOptions } from '../../src/index.ts';
import { startConsulEmulator, type ConsulEmulator } from '../consul-emulator.ts';
import { eventually, nextChange, nextError, settle } from '../helpers/events.ts';
import { tempDir } from '../helpers/files.ts';
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

function source(options: ConsulSourceOptions = {}) {
  return consulSource({ prefix: 'app', address: emulator.address, wait: '1s', timeout: 500, maxRetryDelay: 200, ...options });
}

async function load(options: ConsulSourceOptions = {}, defaults?: Record<string, unknown>): Promise<Config> {
  const config = await createConfig({ defaults, sources: [source(options)] });
  open.push(config);
  return config;
}

describe('Consul faults', () => {
  it('converges after the agent stops and restarts, with writes made meanwhile', async () => {
    emulator.put('app/n', '0');
    const config = await load();
    const record = recordSnapshots(config, 'n');
    const errors: ConfigError[] = [];
    config.on('error', (error) => errors.push(error));
    let written = 0;
    for (let round = 1; round <= 3; round++) {
      emulator.put('app/n', String(++written));
      await eventually(() => expect(config.get('n').int(-1)).toBe(written));
      await emulator.stop();
      for (let i = 0; i < 3; i++) emulator.put('app/n', String(++written));
      await settle(150);
      await emulator.start();
      await eventually(() => expect(config.get('n').int(-1)).toBe(written));
    }
    record.expectMonotonic(written);
    expect(errors.some((error) => error.code === 'WATCH' && /lost Consul/.test(error.message))).toBe(true);
  });

  it('rides out 500s and picks up what changed meanwhile', async () => {
    emulator.put('app/registry', '"etcd"');
    const config = await load();
    const error = nextError(config);
    emulator.fault({ kind: 'error500' });
    emulator.put('app/registry', '"consul"');
    expect((await error).code).toBe('WATCH');
    emulator.fault(undefined);
    await eventually(() => expect(config.get('registry').string()).toBe('consul'));
  });

  it('reports an outage with one error however many retries it takes, and the next outage with another', async () => {
    emulator.put('app/registry', '"etcd"');
    const config = await load();
    const errors: ConfigError[] = [];
    config.on('error', (error) => errors.push(error));
    emulator.fault({ kind: 'error500' });
    const before = emulator.requests;
    await eventually(() => expect(emulator.requests).toBeGreaterThanOrEqual(before + 5));
    expect(errors.map((error) => error.code)).toEqual(['WATCH']);
    emulator.fault(undefined);
    emulator.put('app/registry', '"consul"');
    await eventually(() => expect(config.get('registry').string()).toBe('consul'));
    emulator.fault({ kind: 'error500' });
    await eventually(() => expect(errors.map((error) => error.code)).toEqual(['WATCH', 'WATCH']));
  });

  it('times out a hanging agent, reports it, and recovers', async () => {
    emulator.put('app/registry', '"etcd"');
    const config = await load();
    await settle(100);
    emulator.fault({ kind: 'hang' });
    const error = nextError(config);
    emulator.put('app/registry', '"consul"');
    expect((await error).message).toMatch(/lost Consul/);
    emulator.fault(undefined);
    await eventually(() => expect(config.get('registry').string()).toBe('consul'));
  });

  it('starts over when the index goes backwards, as after a snapshot restore', async () => {
    for (let i = 0; i < 20; i++) emulator.put('app/filler', String(i));
    emulator.put('app/registry', '"etcd"');
    const config = await load();
    await settle(100);
    emulator.resetIndex(2);
    emulator.put('app/registry', '"consul"');
    await eventually(() => expect(config.get('registry').string()).toBe('consul'));
    emulator.put('app/registry', '"mdns"');
    await eventually(() => expect(config.get('registry').string()).toBe('mdns'));
  });

  it('takes an answer that is not a KV listing for a failure: the last good layer stays, nothing is cached', async () => {
    const cache = join(await tempDir(), 'consul-cache.json');
    emulator.put('app/registry', '"etcd"');
    const config = await load({ cache });
    await eventually(async () => expect(JSON.parse(await readFile(cache, 'utf8'))).toEqual({ registry: 'etcd' }));
    const secret = 'hunter2-in-the-body';
    const answers = [
      { status: 200, contentType: 'text/html', body: `<html><body>proxy login ${secret}</body></html>` },
      { status: 200, contentType: 'text/plain', body: JSON.stringify([{ Key: 'app/registry', Value: btoa('"mdns"') }]) },
      { status: 200, contentType: 'application/json', body: JSON.stringify({ Key: 'app/registry', Value: btoa('"mdns"') }) },
      { status: 200, contentType: 'application/json', body: JSON.stringify([{ Name: secret }]) },
      { status: 200, contentType: 'application/json', body: `{"not json ${secret}` },
    ];
    let written = 0;
    for (const answer of answers) {
      const error = nextError(config);
      emulator.fault({ kind: 'answer', ...answer });
      emulator.put('app/registry', `"changed ${++written}"`);
      const reported = await error;
      expect(reported.message).toMatch(/not a KV listing|did not decode/);
      expect(`${reported.message} ${String(reported.cause)}`).not.toContain(secret);
      // A later query in the same fault changes nothing either.
      await settle(300);
      expect(config.get('registry').string()).not.toBe('mdns');
      expect(config.get('registry').exists()).toBe(true);
      expect(JSON.parse(await readFile(cache, 'utf8'))).not.toEqual({});
      emulator.fault(undefined);
      emulator.put('app/registry', `"recovered ${written}"`);
      await eventually(() => expect(config.get('registry').string()).toBe(`recovered ${written}`));
    }
  });

  it('refuses to start on an answer that is not a KV listing, naming the source', async () => {
    emulator.fault({ kind: 'answer', status: 200, contentType: 'text/html', body: '<html>sign in</html>' });
    const error = (await createConfig({ sources: [source()] }).catch((e: unknown) => e)) as ConfigError;
    expect(error).toMatchObject({ code: 'READ', source: 'consul:app' });
    expect(error.message).toMatch(/content of type text\/html, not a KV listing/);
  });

  it('polls instead of spinning when the agent sends a zero or no index', async () => {
    emulator.put('app/registry', '"etcd"');
    for (const kind of ['zeroIndex', 'noIndex'] as const) {
      const config = await load();
      emulator.fault({ kind });
      const before = emulator.requests;
      emulator.put('app/registry', kind === 'zeroIndex' ? '"consul"' : '"mdns"');
      await eventually(() => expect(config.get('registry').string()).toBe(kind === 'zeroIndex' ? 'consul' : 'mdns'));
      await settle(500);
      // About one query a second, not thousands.
      expect(emulator.requests - before).toBeLessThan(20);
      emulator.fault(undefined);
      await config.close();
    }
  });

  it('publishes nothing when a blocking query times out with the same index', async () => {
    emulator.put('app/a', '1');
    const config = await load({ wait: '100ms' });
    const events: unknown[] = [];
    config.on('change', (event) => events.push(event));
    await settle(600);
    expect(events).toEqual([]);
    expect(emulator.requests).toBeGreaterThan(3);
  });

  it('sends the ACL token on reads and watches, and names the source when it is refused', async () => {
    await emulator.stop();
    emulator = await startConsulEmulator({ acl: { secret: 'read' } });
    emulator.put('app/registry', '"etcd"');
    const config = await load({ token: 'secret' });
    const change = nextChange(config);
    emulator.put('app/registry', '"consul"');
    await change;
    expect(config.get('registry').string()).toBe('consul');
    const refused = (await createConfig({ sources: [source({ token: 'wrong' })] }).catch((e: unknown) => e)) as ConfigError;
    expect(refused).toBeInstanceOf(ConfigError);
    expect(refused.source).toBe('consul:app');
    expect(refused.message).toContain(emulator.address);
    expect(refused.message).not.toContain('wrong');
  });

  it('rejects createConfig when Consul is down, naming the source and address; starts optional or from its cache', async () => {
    const cache = join(await tempDir(), 'consul-cache.json');
    emulator.put('app/registry', '"etcd"');
    const first = await load({ cache });
    await first.close();
    await emulator.stop();

    const error = (await createConfig({ sources: [source()] }).catch((e: unknown) => e)) as ConfigError;
    expect(error).toMatchObject({ code: 'READ', source: 'consul:app' });
    expect(error.message).toContain(`http://${emulator.address}`);

    const cached = await load({ cache }, { registry: 'mdns' });
    const served = nextError(cached);
    const optional = await load({ optional: true }, { registry: 'mdns' });
    expect(cached.get('registry').string()).toBe('etcd');
    expect(optional.get('registry').string()).toBe('mdns');
    expect((await served).message).toMatch(/Consul is unreachable; serving the cached layer/);

    await emulator.start();
    emulator.put('app/registry', '"consul"');
    await eventually(() => expect(cached.get('registry').string()).toBe('consul'));
    await eventually(() => expect(optional.get('registry').string()).toBe('consul'));
  });
});
