// Attacks on a client: nodes that trickle or flood their answers, answer garbage, or hang; registries that answer
// garbage; a client used after close. Every call ends by its deadline with a CallError, and no answer is held
// beyond its cap.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createConfig, memorySource } from '../../src/index.ts';
import { CallError, createClient, createService, memoryRegistry } from '../../src/service/index.ts';
import { heldServices } from '../../src/service/registry/memory.ts';
import { figure } from './figures.ts';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

/** A hostile node: a server on loopback answering as `answer` says, registered as `svc` in a memory namespace. */
async function hostileNode(answer: (res: ServerResponse) => void) {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const namespace = `client-attacks-${Math.random()}`;
  const { port } = server.address() as AddressInfo;
  await memoryRegistry({ namespace }).register({ id: 'hostile', service: 'svc', version: '', address: `127.0.0.1:${port}`, metadata: {} }, 60_000);
  const config = await createConfig({ sources: [memorySource({ registry: 'memory', registries: { memory: { namespace } }, client: { maxAnswerBytes: 1024 * 1024 } })] });
  const client = createClient({ config });
  cleanup.push(
    () => config.close(),
    async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
    () => client.close(),
  );
  return { client, config };
}

/** A call's outcome and how long it took. */
async function timed(call: Promise<unknown>): Promise<{ error: CallError; ms: number }> {
  const started = Date.now();
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CallError);
  return { error: error as CallError, ms: Date.now() - started };
}

describe('a call\'s deadline', () => {
  it('ends a 1 s call to a node that sends a byte every 200 ms', async () => {
    const { client } = await hostileNode((res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 1000 });
      const timer = setInterval(() => res.write(' '), 200);
      res.on('close', () => clearInterval(timer));
    });
    const { error, ms } = await timed(client.call('svc', 'Svc.Slow', {}, { timeout: 1000 }));
    figure('a 1 s call to a node trickling a byte every 200 ms', { trials: 1, failures: 0, ms, note: error.code });
    expect(error.code).toBe('TIMEOUT');
    expect(ms).toBeLessThan(6000);
  });

  it('ends a call to a node that accepts and never answers, and one whose registry has no node', async () => {
    const { client } = await hostileNode(() => {});
    const hung = await timed(client.call('svc', 'Svc.Hang', {}, { timeout: 500 }));
    const absent = await timed(client.call('nobody', 'X.Y', {}, { timeout: 500 }));
    figure('calls to a hung node and to an absent service, 500 ms deadline', { trials: 2, failures: 0, ms: hung.ms + absent.ms });
    expect([hung.error.code, absent.error.code]).toEqual(['TIMEOUT', 'TIMEOUT']);
  });
});

describe('answer and request caps', () => {
  it('cuts off answers over client.maxAnswerBytes, declared or streamed', async () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 0x20);
    const declared = await hostileNode((res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': big.length });
      res.end(big);
    });
    const streamed = await hostileNode((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(big);
    });
    const started = Date.now();
    const a = await timed(declared.client.call('svc', 'Svc.Big'));
    const b = await timed(streamed.client.call('svc', 'Svc.Big'));
    figure('8 MiB answers, declared and streamed, 1 MiB cap', { trials: 2, failures: 0, ms: Date.now() - started });
    expect([a.error.code, b.error.code]).toEqual(['TOO_LARGE', 'TOO_LARGE']);
  });

  it('refuses to send a request over client.maxRequestBytes, or one that is not JSON', async () => {
    let requests = 0;
    const { client } = await hostileNode((res) => {
      requests++;
      res.end('null');
    });
    const big = await timed(client.call('svc', 'Svc.Echo', { blob: 'x'.repeat(2 * 1024 * 1024) }));
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const notJson = await timed(client.call('svc', 'Svc.Echo', cyclic));
    const bigint = await timed(client.call('svc', 'Svc.Echo', { n: 1n }));
    expect([big.error.code, notJson.error.code, bigint.error.code]).toEqual(['TOO_LARGE', 'BAD_REQUEST', 'BAD_REQUEST']);
    expect(requests).toBe(0);
  });

  it('refuses garbage and deeply nested answers with a CallError', async () => {
    const answers = ['not json', '['.repeat(200_000), '{"a":', ''];
    let next = 0;
    const { client } = await hostileNode((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(answers[next++ % answers.length]);
    });
    for (let i = 0; i < answers.length; i++) await expect(client.call('svc', 'Svc.X')).rejects.toMatchObject({ code: 'REMOTE', status: 200 });
  });

  it('reads a typed error from any node as a CallError with status, id and detail, and another status without a body too', async () => {
    const bodies = [
      [409, JSON.stringify({ id: 'svc.x', code: 409, detail: 'already there', status: 'Conflict' })],
      [502, '<html>bad gateway</html>'],
    ] as const;
    let next = 0;
    const { client } = await hostileNode((res) => {
      const [status, body] = bodies[next++]!;
      res.writeHead(status);
      res.end(body);
    });
    await expect(client.call('svc', 'Svc.X')).rejects.toMatchObject({ code: 'REMOTE', status: 409, id: 'svc.x', detail: 'already there' });
    const other = await timed(client.call('svc', 'Svc.X'));
    expect(other.error).toMatchObject({ code: 'REMOTE', status: 502, detail: undefined });
    expect(other.error.message).not.toContain('html');
  });

  it("quotes no more than the start of a node's detail in a CallError's message, and no control character", async () => {
    // 200 KiB of detail, with lines of its own that a log would show as another program's.
    const detail = `refused\n2026-12-03T10:00:00Z INFO admin logged in\u001b[2K${'x'.repeat(200 * 1024)}`;
    const { client } = await hostileNode((res) => {
      res.writeHead(409, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'svc.x', code: 409, detail, status: 'Conflict' }));
    });
    const { error } = await timed(client.call('svc', 'Svc.X'));
    expect(error).toMatchObject({ code: 'REMOTE', status: 409, detail });
    expect(error.message.length).toBeLessThan(300);
    expect(error.message).toMatch(/^svc Svc\.X: refused\\u000a2026-12-03T10:00:00Z INFO admin logged in\\u001b\[2Kx+…$/);
  });

  it("escapes a detail's line separators and bidirectional controls, and never cuts it inside a surrogate pair", async () => {
    // U+202E shows what follows right to left (a forged 'exe.txt'); U+2028 breaks a line in some log viewers.
    const detail = `nope\u2028INFO ok \u202etxt.exe\u2066${'y'.repeat(161)}${'😀'.repeat(40)}`;
    const { client } = await hostileNode((res) => {
      res.writeHead(409, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'svc.x', code: 409, detail, status: 'Conflict' }));
    });
    const { error } = await timed(client.call('svc', 'Svc.X'));
    expect(error).toMatchObject({ code: 'REMOTE', detail });
    expect(error.message).toContain('nope\\u2028INFO ok \\u202etxt.exe\\u2066y');
    expect(error.message).not.toMatch(/[\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    // Whole pairs up to the cut: no lone surrogate, which would print as a replacement character.
    expect(error.message.endsWith('…')).toBe(true);
    expect(error.message).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  });
});

describe('registries answering garbage', () => {
  it('reads no more of a Consul agent\'s health answer than 16 MiB', async () => {
    // A health listing that never ends: 300 MiB of one node's name, as fast as the client takes it.
    // The most any one answer got out before its connection closed.
    let sent = 0;
    const agent = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[{"Service":{"ID":"');
      const chunk = Buffer.alloc(1024 * 1024, 'a');
      let written = 0;
      const pump = () => {
        while (written < 300 * 1024 * 1024 && !res.destroyed) {
          written += chunk.length;
          sent = Math.max(sent, written);
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    await new Promise<void>((resolve) => agent.listen(0, '127.0.0.1', resolve));
    const config = await createConfig({
      sources: [memorySource({ registry: 'consul', registries: { consul: { address: `127.0.0.1:${(agent.address() as AddressInfo).port}` } }, client: { timeout: '2s' } })],
    });
    const client = createClient({ config });
    cleanup.push(
      () => config.close(),
      async () => {
        agent.closeAllConnections();
        await new Promise((resolve) => agent.close(resolve));
      },
      () => client.close(),
    );
    const { error } = await timed(client.call('svc', 'Svc.X'));
    expect(error.code).toBe('TIMEOUT');
    // Each look-up is cut off at 16 MiB (and what the sockets' buffers held); before, the first one read all 300.
    expect(sent).toBeLessThan(64 * 1024 * 1024);
    console.log(`[reliability] a Consul agent answering health listings of 300 MiB: at most ${(sent / 1024 / 1024).toFixed(0)} MiB of one sent before it was cut off`);
  });

  it('skips nodes a Consul agent describes wrongly, and finds the one it describes rightly', async () => {
    const good = createServer((req, res) => req.resume().on('end', () => res.end('"pong"')));
    await new Promise<void>((resolve) => good.listen(0, '127.0.0.1', resolve));
    const goodPort = (good.address() as AddressInfo).port;
    const entries = [
      null,
      'text',
      { Service: null },
      { Service: { ID: 1, Service: 'svc', Address: '127.0.0.1', Port: 1 } },
      { Service: { ID: 'bad-port', Service: 'svc', Address: '127.0.0.1', Port: 70_000 } },
      { Service: { ID: 'no-address', Service: 'svc', Address: '', Port: 1 } },
      { Service: { ID: 'good', Service: 'svc', Address: '127.0.0.1', Port: goodPort, Meta: { __proto__: 'x', version: '1', nested: { a: 1 } } } },
    ];
    let garbage = 0;
    const agent = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      // Alternate between a body that is not a list, one that is not JSON, and the mixed list above.
      const turn = garbage++ % 3;
      res.end(turn === 0 ? '{"not":"a list"}' : turn === 1 ? '[{' : JSON.stringify(entries));
    });
    await new Promise<void>((resolve) => agent.listen(0, '127.0.0.1', resolve));
    const config = await createConfig({
      sources: [memorySource({ registry: 'consul', registries: { consul: { address: `127.0.0.1:${(agent.address() as AddressInfo).port}` } }, client: { timeout: '10s' } })],
    });
    const client = createClient({ config });
    cleanup.push(
      () => config.close(),
      () => new Promise((resolve) => good.close(resolve)),
      async () => {
        agent.closeAllConnections();
        await new Promise((resolve) => agent.close(resolve));
      },
      () => client.close(),
    );
    const started = Date.now();
    for (let i = 0; i < 6; i++) expect(await client.call('svc', 'Svc.Ping')).toBe('pong');
    figure('a Consul agent answering garbage two times in three', { trials: 6, failures: 0, ms: Date.now() - started, note: 'every call found the one good node' });
    expect(garbage).toBeGreaterThanOrEqual(6);
  });
});

describe('a closed client', () => {
  it('fails calls made after close, and calls in flight when it closes, with CLOSED', async () => {
    const { client } = await hostileNode(() => {});
    const inFlight = client.call('svc', 'Svc.Hang', {}, { timeout: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Held to its expectation before closing: the call fails while close() is still under way.
    const failed = expect(inFlight).rejects.toMatchObject({ code: 'CLOSED' });
    await client.close();
    await failed;
    await expect(client.call('svc', 'Svc.Hang')).rejects.toMatchObject({ code: 'CLOSED' });
  });
});

describe('a memory registry of many nodes', () => {
  it('registers, watches and looks up 40,000 nodes of 1,000 services in time in proportion to them', async () => {
    const registry = memoryRegistry({ namespace: `many-${Date.now()}` });
    const stop = new AbortController();
    const heard: number[] = [];
    // Ten watchers, each of one service: every registration woke all ten, and each walked every node.
    for (let w = 0; w < 10; w++) {
      void (async () => {
        for await (const nodes of registry.watch(`svc${w}`, stop.signal)) heard[w] = nodes.length;
      })();
    }
    const cpu = process.cpuUsage();
    for (let i = 0; i < 40_000; i++) {
      await registry.register({ id: `n${i}`, service: `svc${i % 1000}`, version: '', address: '127.0.0.1:1', metadata: {} }, 60_000);
    }
    for (let i = 0; i < 1000; i++) expect(await registry.lookup(`svc${i}`)).toHaveLength(40);
    const spent = process.cpuUsage(cpu);
    const ms = (spent.user + spent.system) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 50));
    stop.abort();
    expect(heard).toEqual(Array(10).fill(40));
    console.log(`[reliability] a memory registry: 40,000 nodes of 1,000 services registered with 10 watchers, then 1,000 look-ups: ${ms.toFixed(0)} ms of CPU`);
    // Before: 41 s (8.6 s for 20,000 nodes: every registration walked every node once per watcher).
    expect(ms).toBeLessThan(5000);
  }, 120_000);
});

describe('a memory registry whose services come and go', () => {
  it('forgets a service once it has no node and no watch: deregistered, expired, moved or left by its watch', async () => {
    const namespace = `churn-${Date.now()}`;
    const registry = memoryRegistry({ namespace });
    const node = (i: number, service = `svc${i}`) => ({ id: `n${i}`, service, version: '', address: '127.0.0.1:1', metadata: {} });
    // Names that come and go, as deployments or tests name them: each was held for the process's life.
    for (let i = 0; i < 10_000; i++) {
      await registry.register(node(i), 60_000);
      await registry.deregister(node(i));
    }
    expect(heldServices(namespace)).toBe(0);
    // Moved to another service: the first is left empty.
    await registry.register(node(1, 'first'), 60_000);
    await registry.register(node(1, 'second'), 60_000);
    expect(heldServices(namespace)).toBe(1);
    await registry.deregister(node(1, 'second'));
    // Watched: kept while the watch is open, though empty; forgotten when the watch ends, by its signal or its reader.
    const stop = new AbortController();
    const watching = registry.watch('watched', stop.signal)[Symbol.asyncIterator]();
    expect((await watching.next()).value).toEqual([]);
    await registry.register(node(2, 'watched'), 60_000);
    expect((await watching.next()).value).toHaveLength(1);
    await registry.deregister(node(2, 'watched'));
    expect((await watching.next()).value).toEqual([]);
    expect(heldServices(namespace)).toBe(1);
    stop.abort();
    expect(heldServices(namespace)).toBe(0);
    const left = registry.watch('left', new AbortController().signal)[Symbol.asyncIterator]();
    await left.next();
    expect(heldServices(namespace)).toBe(1);
    await left.return?.();
    expect(heldServices(namespace)).toBe(0);
    // Expired: forgotten by the look-up that finds it gone.
    await registry.register(node(3, 'brief'), 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await registry.lookup('brief')).toEqual([]);
    expect(heldServices(namespace)).toBe(0);
  });
});

describe('a service name mDNS cannot carry', () => {
  it('is refused at start and at a call, instead of a service never found and calls that time out', async () => {
    // Pinned to loopback, on a port of its own: no packet leaves this host.
    const port = await freeUdpPort();
    const config = await createConfig({
      sources: [memorySource({ registry: 'mdns', registries: { mdns: { interface: '127.0.0.1', port } }, client: { timeout: '3s' } })],
    });
    const client = createClient({ config });
    cleanup.push(() => config.close(), () => client.close());
    // 64 bytes in a label, and an empty name: before, each started, and every call to it timed out.
    for (const name of ['a'.repeat(64), '']) {
      const service = createService({ name, config }).handle('H', { ping: async () => 'pong' });
      await expect(service.start()).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/cannot be an mDNS name/) });
      await service.stop();
    }
    const started = Date.now();
    await expect(client.call('a'.repeat(64), 'H.Ping')).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/cannot be an mDNS name/) });
    expect(Date.now() - started).toBeLessThan(3000);
    // 63 bytes is a label.
    const longest = createService({ name: 'b'.repeat(63), config }).handle('H', { ping: async () => 'pong' });
    cleanup.push(() => longest.stop());
    await longest.start();
    expect(await client.call('b'.repeat(63), 'H.Ping')).toBe('pong');
  });
});

/** A UDP port free on loopback now. */
async function freeUdpPort(): Promise<number> {
  const { createSocket } = await import('node:dgram');
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}
