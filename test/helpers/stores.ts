import { randomBytes } from 'node:crypto';
import Consul from 'consul';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll } from 'vitest';
import { consulSource, etcdSource, type ConsulSourceOptions, type Encoders, type EtcdSourceOptions, type Source } from '../../src/index.ts';
import { startConsulEmulator, type ConsulEmulator } from '../consul-emulator.ts';
import { startEtcd, type EtcdServer } from './etcd.ts';
import { serverAvailable } from './servers.ts';

/** Options for a source on a test store. */
export interface StoreSourceOptions {
  optional?: boolean;
  cache?: string;
  expandEnv?: boolean;
  timeout?: number;
  encoders?: Encoders;
}

/** A key-value store under test, with its own client to write as another program would. */
export interface Store {
  /** `etcd`, `consul emulator` or `consul agent`. */
  readonly label: string;
  /** A prefix no other test uses. */
  readonly prefix: string;
  /** A microconf source on this store's prefix. */
  source(options?: StoreSourceOptions): Source;
  /** Writes `prefix/key`. */
  put(key: string, value: string): Promise<void>;
  /** Deletes `prefix/key`. */
  del(key: string): Promise<void>;
  /** Writes several keys at once, atomically. */
  transaction(entries: Record<string, string>): Promise<void>;
  /** Releases the writing client. */
  close(): Promise<void>;
}

/** A running etcd for a test file, and stores on it. */
export async function etcdStores(): Promise<{ server: EtcdServer; store(): Store; dispose(): Promise<void> }> {
  const server = await startEtcd();
  const clients: Etcd3[] = [];
  return {
    server,
    store() {
      const prefix = `/microconf-test/${randomBytes(4).toString('hex')}`;
      const writer = new Etcd3({ hosts: server.endpoint });
      clients.push(writer);
      return {
        label: 'etcd',
        prefix,
        source: (options = {}) =>
          etcdSource({ prefix, hosts: server.endpoint, timeout: 2000, maxRetryDelay: 500, ...options } satisfies EtcdSourceOptions),
        put: async (key, value) => void (await writer.put(`${prefix}/${key}`).value(value)),
        del: async (key) => void (await writer.delete().key(`${prefix}/${key}`)),
        transaction: async (entries) => {
          await writer
            .if(`${prefix}/__never__`, 'Version', '==', 0)
            .then(...Object.entries(entries).map(([key, value]) => writer.put(`${prefix}/${key}`).value(value)))
            .commit();
        },
        close: async () => writer.close(),
      };
    },
    async dispose() {
      for (const client of clients) client.close();
      await server.dispose();
    },
  };
}

/** The Consul to test against: a real agent when CONSUL_HTTP_ADDR is set, otherwise the KV emulator. */
export async function consulStores(): Promise<{ emulator: ConsulEmulator | undefined; address: string; store(): Store; dispose(): Promise<void> }> {
  const real = process.env.CONSUL_HTTP_ADDR;
  const emulator = real ? undefined : await startConsulEmulator();
  const address = real ?? emulator!.address;
  const url = new URL(/^[a-z]+:\/\//.test(address) ? address : `http://${address}`);
  const writer = new Consul({
    host: url.hostname,
    port: Number(url.port || 8500),
    secure: url.protocol === 'https:',
    defaults: process.env.CONSUL_HTTP_TOKEN ? { token: process.env.CONSUL_HTTP_TOKEN } : {},
  });
  return {
    emulator,
    address,
    store() {
      const prefix = `microconf-test/${randomBytes(4).toString('hex')}`;
      return {
        label: real ? 'consul agent' : 'consul emulator',
        prefix,
        source: (options = {}) =>
          consulSource({ prefix, address, wait: '5s', timeout: 2000, maxRetryDelay: 500, ...options } satisfies ConsulSourceOptions),
        put: async (key, value) => void (await writer.kv.set(`${prefix}/${key}`, value)),
        del: async (key) => void (await writer.kv.del(`${prefix}/${key}`)),
        transaction: async (entries) => {
          if (emulator) {
            emulator.transaction(Object.fromEntries(Object.entries(entries).map(([key, value]) => [`${prefix}/${key}`, value])));
            return;
          }
          // Consul's /v1/txn body, as the API documents it (the client's types describe another shape).
          const operations = Object.entries(entries).map(([key, value]) => ({
            KV: { Verb: 'set', Key: `${prefix}/${key}`, Value: Buffer.from(value).toString('base64') },
          }));
          await writer.transaction.create(operations as never);
        },
        close: async () => {
          await writer.kv.del({ key: prefix, recurse: true }).catch(() => {});
        },
      };
    },
    async dispose() {
      writer.destroy();
      await emulator?.stop();
    },
  };
}

/** A kind of store tests run against: etcd where it is installed (always in CI), Consul (an agent or the emulator). */
export interface StoreBackend {
  readonly name: 'etcd' | 'consul';
  readonly available: boolean;
  setup(): Promise<{ store(): Store; dispose(): Promise<void> }>;
}

/** Both kinds of store. */
export const storeBackends: readonly StoreBackend[] = [
  { name: 'etcd', available: serverAvailable('etcd'), setup: etcdStores },
  { name: 'consul', available: true, setup: consulStores },
];

/** Starts a backend's server before the enclosing describe's tests (if it is available) and stops it after; yields a fresh store. */
export function useStores(backend: StoreBackend): () => Store {
  let stores: Awaited<ReturnType<StoreBackend['setup']>> | undefined;
  beforeAll(async () => {
    if (backend.available) stores = await backend.setup();
  }, 60_000);
  afterAll(async () => {
    await stores?.dispose();
  });
  return () => stores!.store();
}
