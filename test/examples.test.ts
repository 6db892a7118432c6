// The distributed examples, run as their README says, against a real etcd and against the Consul KV emulator
// (or a real agent when CONSUL_HTTP_ADDR is set).
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import { afterAll, describe, expect, it } from 'vitest';
import { startConsulEmulator, type ConsulEmulator } from './consul-emulator.ts';
import { startEtcd, type EtcdServer } from './helpers/etcd.ts';
import { runScript } from './helpers/process.ts';
import { serverAvailable } from './helpers/servers.ts';

const example = (name: string) => fileURLToPath(new URL(`../examples/${name}/main.ts`, import.meta.url));
const expected = [
  'greeting=Hello port=8080 (version 1)',
  'v2 greeting: "Hello" -> "Bonjour"',
  'v3 server.port: 8080 -> 9090',
  'v4 greeting: "Bonjour" -> "Hi"',
  'greeting=Hi port=9090',
];

describe.runIf(serverAvailable('etcd'))('examples/etcd', () => {
  let server: EtcdServer | undefined;
  afterAll(async () => server?.dispose());

  it('follows changes made with etcd\'s own client', async () => {
    server = await startEtcd();
    const { stdout, stderr, code } = await runScript(example('etcd'), {
      args: ['--demo'],
      env: { ...process.env, ETCD_ENDPOINTS: server.endpoint },
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toEqual(expected);
    // The demo cleans up after itself.
    const etcd = new Etcd3({ hosts: server.endpoint });
    expect(await etcd.getAll().prefix('/demo/config/').keys()).toEqual([]);
    etcd.close();
  });
});

describe.runIf(serverAvailable('etcd'))('examples/etcd-service', () => {
  let server: EtcdServer | undefined;
  afterAll(async () => server?.dispose());

  it('serves with etcd as registry and config store, and follows a greeting changed in etcd', async () => {
    server = await startEtcd();
    const { stdout, stderr, code } = await runScript(example('etcd-service'), {
      args: ['--demo'],
      env: { ...process.env, ETCD_ENDPOINTS: server.endpoint },
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toEqual([expect.stringMatching(/^registered in etcd at 127\.0\.0\.1:\d+$/), 'Ping winyh', 'Hello winyh']);
  });
});

describe('examples/popular', () => {
  it('runs the walkthrough of the README\'s first command', async () => {
    const { stdout, stderr, code } = await runScript(fileURLToPath(new URL('../examples/popular/demo.ts', import.meta.url)));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n').map((line) => line.replace(/127\.0\.0\.1:\d+/, 'ADDRESS'));
    expect(lines).toEqual([
      '[service] registered in memory at ADDRESS',
      '[client] Popular.Ping → Ping winyh',
      '[you] edit config.yaml: greeting Ping → Hello',
      '[client] Popular.Ping → Hello winyh',
      '[you] edit config.yaml: registry memory → mdns (on loopback)',
      '[service] registered in mdns at ADDRESS',
      '[service] deregistered from memory',
      '[client] Popular.Ping → Hello winyh',
      '[service] deregistered from mdns',
    ]);
  });
});

describe('examples/consul', () => {
  let emulator: ConsulEmulator | undefined;
  afterAll(async () => emulator?.stop());

  it('follows changes made with the consul client', async () => {
    const address = process.env.CONSUL_HTTP_ADDR ?? (emulator = await startConsulEmulator()).address;
    const { stdout, stderr, code } = await runScript(example('consul'), {
      args: ['--demo'],
      env: { ...process.env, CONSUL_HTTP_ADDR: address },
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toEqual(expected);
  });
});
