// Stores failing under a stream of transactional writes: etcd killed with SIGKILL and restarted 20 times, the
// Consul emulator stopped, answering 500, hanging and resetting its index. Every trial converges to the last
// value written, and no snapshot ever mixes the two keys of one transaction.
import { Etcd3 } from 'etcd3';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, consulSource, createConfig, etcdSource, type Config, type ConfigOptions } from '../../src/index.ts';
import { startConsulEmulator, type ConsulEmulator } from '../consul-emulator.ts';
import { startEtcd, type EtcdServer } from '../helpers/etcd.ts';
import { eventually, PATIENCE } from '../helpers/events.ts';
import { serverAvailable } from '../helpers/servers.ts';
import { figure } from './figures.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts published snapshots whose two transaction keys disagree, or that go back in time. */
function audit(config: Config) {
  let mixed = 0;
  let backwards = 0;
  let last = -1;
  config.on('change', () => {
    const a = config.get('txn.a').int(-1);
    const b = config.get('txn.b').int(-2);
    if (a !== b) mixed++;
    if (a < last) backwards++;
    last = Math.max(last, a);
  });
  return () => ({ mixed, backwards });
}

/**
 * Starts a config on a store that is up: a first read slower than the source's short timeout (on a loaded machine)
 * is tried again, as the trials below are about following the store through faults, not about starting.
 */
async function startFollowing(options: ConfigOptions): Promise<Config> {
  const deadline = Date.now() + PATIENCE;
  for (;;) {
    try {
      return await createConfig(options);
    } catch (error) {
      if (!(error instanceof ConfigError && error.code === 'READ') || Date.now() > deadline) throw error;
    }
  }
}

let etcd: EtcdServer | undefined;
let emulator: ConsulEmulator | undefined;
afterAll(async () => {
  await etcd?.dispose();
  await emulator?.stop();
});

describe.runIf(serverAvailable('etcd'))('etcd under SIGKILL', () => {
  it('converges after 20 kill -9 and restarts during a stream of transactions', async () => {
    const started = Date.now();
    etcd = await startEtcd();
    const prefix = '/reliability/app';
    let writer = new Etcd3({ hosts: etcd.endpoint });
    const write = async (n: number) => {
      await writer
        .if(`${prefix}/never`, 'Version', '==', 0)
        .then(writer.put(`${prefix}/txn/a`).value(String(n)), writer.put(`${prefix}/txn/b`).value(String(n)))
        .commit();
    };
    await write(0);
    const config = await startFollowing({ sources: [etcdSource({ prefix, hosts: etcd.endpoint, timeout: 1000, maxRetryDelay: 300 })] });
    const result = audit(config);
    let n = 0;
    let missed = 0;
    for (let round = 1; round <= 20; round++) {
      for (let i = 0; i < 3; i++) await write(++n);
      await etcd.kill();
      await sleep(50 + (round % 4) * 50);
      await etcd.start();
      writer.close();
      writer = new Etcd3({ hosts: etcd.endpoint });
      for (let i = 0; i < 3; i++) await write(++n);
      try {
        await eventually(() => expect(config.get('txn.a').int(-1)).toBe(n));
      } catch {
        missed++;
      }
    }
    writer.close();
    await config.close();
    const { mixed, backwards } = result();
    figure('etcd killed with SIGKILL and restarted, writes before and after each restart', {
      trials: 20,
      failures: missed + mixed + backwards,
      ms: Date.now() - started,
      note: `${n} transactions; ${missed} rounds not converged, ${mixed} mixed snapshots, ${backwards} snapshots going back`,
    });
    expect({ missed, mixed, backwards }).toEqual({ missed: 0, mixed: 0, backwards: 0 });
  });
});

describe('Consul (KV emulator) faults', () => {
  it('converges through stops, 500s, hangs and index resets during a stream of transactions', async () => {
    const started = Date.now();
    emulator = await startConsulEmulator();
    const emu = emulator;
    let n = 0;
    const write = () => {
      n++;
      emu.transaction({ 'app/txn/a': String(n), 'app/txn/b': String(n) });
    };
    write();
    const config = await startFollowing({
      sources: [consulSource({ prefix: 'app', address: emu.address, wait: '1s', timeout: 300, maxRetryDelay: 200 })],
    });
    const result = audit(config);
    const faults: [string, () => Promise<void>][] = [
      ['stop and restart', async () => {
        await emu.stop();
        write();
        write();
        await sleep(100);
        await emu.start();
      }],
      ['500s', async () => {
        emu.fault({ kind: 'error500' });
        write();
        await sleep(150);
        emu.fault(undefined);
      }],
      ['hang', async () => {
        emu.fault({ kind: 'hang' });
        write();
        await sleep(400);
        emu.fault(undefined);
      }],
      ['index reset', async () => {
        emu.resetIndex(1);
        write();
      }],
    ];
    let missed = 0;
    const rounds = 5;
    for (let round = 0; round < rounds; round++) {
      for (const [, inject] of faults) {
        write();
        await inject();
        write();
        try {
          await eventually(() => expect(config.get('txn.a').int(-1)).toBe(n));
        } catch {
          missed++;
        }
      }
    }
    await config.close();
    const { mixed, backwards } = result();
    figure('Consul emulator stopped, answering 500, hanging, resetting its index', {
      trials: rounds * faults.length,
      failures: missed + mixed + backwards,
      ms: Date.now() - started,
      note: `${n} transactions; ${missed} trials not converged, ${mixed} mixed snapshots, ${backwards} going back`,
    });
    expect({ missed, mixed, backwards }).toEqual({ missed: 0, mixed: 0, backwards: 0 });
  });
});
