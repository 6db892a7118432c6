// Attacks on a running service: slow and silent clients, floods of connections and headers, oversize and deeply
// nested bodies, malformed paths, and handlers that never answer. The server answers each with a status, keeps
// serving honest calls meanwhile, and stop() returns within its drain deadline whatever is going on.
import { afterEach, describe, expect, it } from 'vitest';
import { createConfig, memorySource } from '../../src/index.ts';
import { createClient, createService, type HandlerContext, type Service } from '../../src/service/index.ts';
import { eventually } from '../helpers/events.ts';
import { rawConnection, send, type RawConnection } from '../helpers/sockets.ts';
import { figure } from './figures.ts';

const DRAIN = 1000;
/** A safety net only: stop() hanging is what these tests catch; the figures print the real times. */
const SLACK = 5000;

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

let namespace = 0;
async function start(server: Record<string, unknown> = {}) {
  const config = await createConfig({
    sources: [
      memorySource({
        registry: 'memory',
        registries: { memory: { namespace: `attacks-${++namespace}` } },
        server: { drainTimeout: DRAIN, headerTimeout: 500, bodyTimeout: 500, ...server },
        client: { timeout: '10s' },
      }),
    ],
  });
  const signals: AbortSignal[] = [];
  const service = createService({ name: 'target', config }).handle('Target', {
    async echo(request: unknown) {
      return request;
    },
    async hang(_request: unknown, ctx: HandlerContext) {
      signals.push(ctx.signal);
      await new Promise(() => {});
    },
  });
  const client = createClient({ config });
  cleanup.push(() => config.close(), () => service.stop(), () => client.close());
  await service.start();
  const port = Number(service.address!.split(':').pop());
  return { config, service, client, port, signals };
}

/** Times stop(), failing (rather than hanging the suite) if it does not return. */
async function timedStop(service: Service): Promise<number> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), DRAIN + SLACK)));
  const outcome = await Promise.race([service.stop().then(() => 'stopped' as const), hung]);
  clearTimeout(timer);
  expect(outcome).toBe('stopped');
  return Date.now() - started;
}

const requestHead = (length: number) => `POST /Target.Echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

type Attack = (port: number) => Promise<RawConnection[]>;
const many = (n: number, open: (port: number) => Promise<RawConnection>): Attack => (port) => Promise.all(Array.from({ length: n }, () => open(port)));

const attacks: [string, Attack][] = [
  // 500 at once: more would overflow the listen backlog (511), and a refused SYN is retried seconds later.
  ['500 silent connections', many(500, (port) => rawConnection(port))],
  [
    '200 clients trickling headers (a byte every 100 ms)',
    many(200, async (port) => {
      const raw = await rawConnection(port);
      raw.socket.write('POST /Target.Echo HTTP/1.1\r\nHost: x\r\n');
      raw.trickle('X', 100);
      return raw;
    }),
  ],
  [
    '200 clients trickling a body (a byte every 100 ms)',
    many(200, async (port) => {
      const raw = await rawConnection(port);
      raw.socket.write(requestHead(100_000));
      raw.trickle('1', 100);
      return raw;
    }),
  ],
  [
    '50 calls to a handler that never answers',
    many(50, async (port) => {
      const raw = await rawConnection(port);
      raw.socket.write('POST /Target.Hang HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}');
      return raw;
    }),
  ],
  [
    '200 idle keep-alive connections after a call',
    many(200, async (port) => {
      const raw = await rawConnection(port);
      raw.socket.write(`${requestHead(2)}{}`);
      return raw;
    }),
  ],
];

// Opening a thousand connections takes a while on a busy machine: these tests get a minute each.
describe('stop() under attack', { timeout: 60_000 }, () => {
  it.each(attacks)('returns within its drain deadline with %s', async (name, attack) => {
    const { service, port, signals } = await start();
    const connections = await attack(port);
    if (name.includes('never answers')) await eventually(() => expect(signals).toHaveLength(connections.length));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const ms = await timedStop(service);
    await Promise.all(connections.map((raw) => raw.closed));
    figure(`stop() with ${name}`, { trials: connections.length, failures: 0, ms, note: `drainTimeout ${DRAIN} ms; every connection closed` });
    expect(ms).toBeLessThan(DRAIN + SLACK);
    // Calls still running at the deadline had their signal aborted and were told the service is stopping.
    expect(signals.every((signal) => signal.aborted)).toBe(true);
    if (name.includes('never answers')) {
      expect(signals).toHaveLength(connections.length);
      for (const raw of connections) expect(raw.received()).toMatch(/^HTTP\/1\.1 503 /);
    }
  });

  it('returns within its drain deadline with every attack at once, and aborts the handlers\' signals', async () => {
    const { service, port, signals } = await start();
    const connections: RawConnection[] = [];
    for (const [, attack] of attacks) connections.push(...(await attack(port)));
    await eventually(() => expect(signals).toHaveLength(50));
    const ms = await timedStop(service);
    await Promise.all(connections.map((raw) => raw.closed));
    figure('stop() with all the attacks at once', { trials: connections.length, failures: 0, ms, note: `drainTimeout ${DRAIN} ms` });
    expect(ms).toBeLessThan(DRAIN + SLACK);
    expect(signals.every((signal) => signal.aborted && (signal.reason as { code?: number }).code === 503)).toBe(true);
  });

  it('with drainTimeout 0, stops at once', async () => {
    const { service, port } = await start({ drainTimeout: 0 });
    const connections = await attacks[3]![1](port);
    const ms = await timedStop(service);
    await Promise.all(connections.map((raw) => raw.closed));
    figure('stop() with drainTimeout 0 and 50 hung calls', { trials: connections.length, failures: 0, ms });
    expect(ms).toBeLessThan(SLACK);
  });
});

describe('while serving', { timeout: 60_000 }, () => {
  it('times out clients that trickle headers or a body, and keeps answering honest calls', async () => {
    const { client, port } = await start();
    const started = Date.now();
    const kinds = [attacks[1]!, attacks[2]!, ['100 silent connections', many(100, (p) => rawConnection(p))] as const];
    const slow: (RawConnection & { kind: string })[] = [];
    for (const [kind, attack] of kinds) slow.push(...(await attack(port)).map((raw) => Object.assign(raw, { kind })));
    let honest = 0;
    while (slow.some((raw) => !raw.socket.destroyed) && Date.now() - started < 20_000) {
      expect(await client.call('target', 'Target.Echo', { n: honest })).toEqual({ n: honest });
      honest++;
    }
    await Promise.all(slow.map((raw) => raw.closed));
    const timedOut = slow.filter((raw) => /^HTTP\/1\.1 408 /.test(raw.received())).length;
    figure('500 slow or silent clients, header and body timeouts 500 ms', {
      trials: slow.length,
      failures: slow.length - timedOut,
      ms: Date.now() - started,
      note: `all closed with a 408; ${honest} honest calls answered meanwhile`,
    });
    // Each one not told 408, by kind, with the first line it was sent: what went wrong, should any.
    const untold = slow.filter((raw) => !/^HTTP\/1\.1 408 /.test(raw.received())).map((raw) => `${raw.kind}: ${raw.received().split('\r\n', 1)[0] || '(nothing)'}`);
    expect(untold).toEqual([]);
    expect(timedOut).toBe(slow.length);
    expect(honest).toBeGreaterThan(0);
  });

  it('aborts a hung handler\'s signal when its caller gives up, so a caller never holds the handler\'s connection', async () => {
    const { client, signals } = await start();
    const started = Date.now();
    const calls = await Promise.all(Array.from({ length: 20 }, () => client.call('target', 'Target.Hang', {}, { timeout: 300 }).catch((error: unknown) => error)));
    expect(calls.every((error) => (error as { code?: string }).code === 'TIMEOUT')).toBe(true);
    await eventually(() => expect(signals.filter((signal) => signal.aborted)).toHaveLength(20));
    figure('20 calls to a hung handler, 300 ms deadline', { trials: 20, failures: 0, ms: Date.now() - started, note: 'each TIMEOUT; each handler\'s signal aborted' });
  });

  it('answers oversize, deeply nested, malformed and misrouted requests with a status, never a dropped connection', async () => {
    const { port } = await start({ maxRequestBytes: 64 * 1024 });
    const started = Date.now();
    const cases: [string, () => ReturnType<typeof send>, number][] = [
      ['a declared body over the cap', () => send(port, '/Target.Echo', Buffer.alloc(10 * 1024 * 1024, 0x20)), 413],
      ['a chunked body over the cap', () => send(port, '/Target.Echo', Buffer.alloc(5 * 1024 * 1024, 0x20), { headers: { 'transfer-encoding': 'chunked' } }), 413],
      ['64 KiB of [', () => send(port, '/Target.Echo', '['.repeat(64 * 1024 - 1)), 400],
      ['101 nested arrays', () => send(port, '/Target.Echo', `${'['.repeat(101)}${']'.repeat(101)}`), 400],
      ['not JSON', () => send(port, '/Target.Echo', '{"a":'), 400],
      ['a malformed %-escape', () => send(port, '/Target.%E0%A4%A', '{}'), 400],
      ['a lone %', () => send(port, '/Target.Echo%', '{}'), 400],
      ['an extra segment', () => send(port, '/Target.Echo.Extra', '{}'), 404],
      ['a path below the endpoint', () => send(port, '/Target.Echo/x', '{}'), 404],
      ['an Object.prototype member', () => send(port, '/Target.ToString', '{}'), 404],
      ['GET', () => send(port, '/Target.Echo', '', { method: 'GET' }), 405],
      ['a 100 KiB header', () => send(port, '/Target.Echo', '{}', { headers: { 'x-flood': 'a'.repeat(100 * 1024) } }), 431],
      ['100 nested arrays (within the bound)', () => send(port, '/Target.Echo', `${'['.repeat(100)}${']'.repeat(100)}`), 200],
    ];
    const failures: string[] = [];
    for (const [name, run, status] of cases) {
      const answer = await run().catch((error: Error) => ({ status: -1, body: error.message, headers: {} }));
      if (answer.status !== status) failures.push(`${name}: ${answer.status} ${answer.body.slice(0, 100)}`);
      else if (status !== 200 && status !== 431) expect(JSON.parse(answer.body)).toMatchObject({ code: status, status: expect.any(String), detail: expect.any(String) });
    }
    figure('malformed, oversize and misrouted requests', { trials: cases.length, failures: failures.length, ms: Date.now() - started, note: 'each answered 400/404/405/413/431' });
    expect(failures).toEqual([]);
  });
});
