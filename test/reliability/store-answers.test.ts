// How much of a store's answer is read. The `consul` client buffers an answer whole before handing it over, so a
// hostile or broken agent (or a proxy before it) answering 300 MB had all of it held, then refused by maxBytes; and
// gRPC reads at most 4 MiB a message, so an etcd prefix of 5 MiB, well within the default maxBytes of 16 MiB, could
// not be read at all. An answer is now read up to what a layer within maxBytes may take on the wire, and no further.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consulSource, createConfig, etcdSource } from '../../src/index.ts';
import { run } from '../../src/cli/program.ts';
import { startEtcd, type EtcdServer } from '../helpers/etcd.ts';
import { eventually } from '../helpers/events.ts';
import { refusal } from '../helpers/sources.ts';
import { measure, report } from './measure.ts';

const MiB = 1024 * 1024;


describe('a Consul agent answering without end', () => {
  let server: Server;
  let sent = 0;
  const total = 300 * MiB;
  beforeAll(async () => {
    // One KV entry whose value never ends: 300 MiB of base64, written as fast as the client takes it.
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-consul-index': '7' });
      res.write('[{"Key":"micro/config/a","Value":"');
      const chunk = Buffer.alloc(MiB, 'A');
      let written = 0;
      const pump = () => {
        while (written < total && !res.destroyed) {
          written += chunk.length;
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end('"}]');
      };
      res.on('close', () => (written = total));
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('is cut off once its answer is larger than a layer within maxBytes can be', async () => {
    const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const cost = await measure(() => refusal([consulSource({ address, timeout: 60_000 })], MiB));
    const error = cost.value!;
    report('a Consul answer of 300 MiB under maxBytes 1 MiB', cost, `${error.code}, ${(sent / MiB).toFixed(0)} MiB sent before the connection closed`);
    expect(error).toMatchObject({ code: 'LIMIT', source: 'consul:micro/config' });
    expect(error.message).toMatch(/Consul's answer is larger than \d+ bytes/);
    // 2 MiB of layer and 16 of room for metadata, and what the sockets' buffers held.
    expect(sent).toBeLessThan(64 * MiB);
  }, 60_000);
});

describe('a Consul agent that does not hold blocking queries', () => {
  it('is asked at most 20 times a second, and a change it answers with is still taken', async () => {
    // Answers every query at once, as a proxy that drops `index` and `wait` would: the same index, or a new one.
    let requests = 0;
    let value = '1';
    let index = 5;
    const server = createServer((_req, res) => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/json', 'x-consul-index': String(index) });
      res.end(JSON.stringify([{ Key: 'micro/config/a', Value: Buffer.from(value).toString('base64') }]));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const config = await createConfig({ sources: [consulSource({ address: `127.0.0.1:${(server.address() as AddressInfo).port}` })] });
    try {
      requests = 0;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const spun = requests;
      // Before: about 450 queries a second, for as long as the config lived. Timers only ever stretch the spacing.
      expect(spun).toBeLessThanOrEqual(25);
      value = '2';
      index = 6;
      await eventually(() => expect(config.get('a').int()).toBe(2));
      console.log(`[reliability] a Consul agent answering blocking queries at once: ${spun} queries in 1 s`);
    } finally {
      await config.close();
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('an etcd prefix larger than gRPC reads by default', () => {
  let etcd: EtcdServer;
  let client: Etcd3;
  beforeAll(async () => {
    etcd = await startEtcd();
    client = new Etcd3({ hosts: etcd.endpoint });
    // 20 keys of 256 KiB (etcd takes at most 1.5 MiB a request): 5 MiB.
    const value = 'v'.repeat(256 * 1024);
    await Promise.all(Array.from({ length: 20 }, (_, i) => client.put(`/large/k${i}`).value(value)));
  }, 60_000);
  afterAll(async () => {
    client?.close();
    await etcd?.dispose();
  });

  it('is read whole within the default maxBytes (5 MiB), by the source and the command, and refused as LIMIT under a lower one', async () => {
    const config = await createConfig({ sources: [etcdSource({ hosts: [etcd.endpoint], prefix: '/large', timeout: 20_000 })] });
    try {
      expect(Object.keys(config.get().scan() as object)).toHaveLength(20);
    } finally {
      await config.close();
    }
    // The command writes there too: it reads the prefix whole first, to check it stays readable.
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (line: string) => out.push(line), err: (line: string) => err.push(line), interrupted: new Promise<void>(() => {}), input: async () => new Uint8Array() };
    expect(await run(['put', 'extra', '"x"', '--etcd', etcd.endpoint, '--prefix', '/large'], io), err.join('\n')).toBe(0);
    expect(out).toEqual([`wrote /large/extra to etcd at ${etcd.endpoint}`]);
    await client.delete().key('/large/extra');
    // With a limit of 1 MiB, gRPC is allowed 18 MiB, and the layer's own count refuses the 5 MiB.
    const small = await refusal([etcdSource({ hosts: [etcd.endpoint], prefix: '/large', timeout: 20_000 })], MiB);
    expect(small).toMatchObject({ code: 'LIMIT', source: 'etcd:/large' });
  }, 60_000);

  it('refuses an answer larger than a layer within maxBytes can be as it arrives, naming the source', async () => {
    // 5 MiB under maxBytes 64 KiB: gRPC is allowed 16.1 MiB; 20 more keys make the answer 10 MiB, then 40 more 20.
    const value = 'w'.repeat(256 * 1024);
    await Promise.all(Array.from({ length: 60 }, (_, i) => client.put(`/large/more${i}`).value(value)));
    const error = await refusal([etcdSource({ hosts: [etcd.endpoint], prefix: '/large', timeout: 20_000 })], 64 * 1024);
    expect(error).toMatchObject({ code: 'LIMIT', source: 'etcd:/large' });
    expect(error.message).toMatch(/etcd's answer is larger than \d+ bytes/);
  }, 60_000);
});
