import { afterAll, beforeAll } from 'vitest';
import { startConsulEmulator, type ConsulEmulator } from '../consul-emulator.ts';
import { startEtcd, type EtcdServer } from './etcd.ts';
import { serverAvailable } from './servers.ts';

/** The servers a test file shares: the Consul KV emulator always, a real etcd where it is installed. */
export interface Backends {
  /** Whether etcd runs (always, in CI). */
  readonly hasEtcd: boolean;
  /** The emulator, once the file's tests start. */
  emulator(): ConsulEmulator;
  /** The etcd server, once the file's tests start (undefined without etcd). */
  etcd(): EtcdServer | undefined;
}

/** Starts the emulator and etcd before a test file's tests, and stops them after. */
export function useBackends(): Backends {
  const hasEtcd = serverAvailable('etcd');
  let emulator: ConsulEmulator | undefined;
  let etcd: EtcdServer | undefined;
  beforeAll(async () => {
    emulator = await startConsulEmulator();
    if (hasEtcd) etcd = await startEtcd();
  });
  afterAll(async () => {
    await emulator?.stop();
    await etcd?.dispose();
  });
  return {
    hasEtcd,
    emulator: () => emulator!,
    etcd: () => etcd,
  };
}
