// A Consul KV HTTP emulator for tests, following Consul's documented KV API (/v1/kv): GET of a key, `recurse`,
// `keys` with `separator`, `raw`; blocking queries with `index` and `wait`; `X-Consul-Index` on every answer;
// PUT with `flags` and `cas`; DELETE with `recurse` and `cas`; 404 for a missing key; base64 values.
// For the Consul registry it also serves the agent's service registration with a TTL check, check passes and health
// look-ups, which the `hang` and `stallBody` faults reach when asked (`on: 'agent'`). It is not Consul: the Consul
// tests run against a real agent when CONSUL_HTTP_ADDR is set.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from './helpers/ports.ts';

interface Entry {
  value: Buffer;
  flags: number;
  createIndex: number;
  modifyIndex: number;
}

/** A fault the emulator injects into KV answers. */
export type Fault =
  | { kind: 'error500' } // answer 500 to every KV request
  | { kind: 'hang'; on?: Endpoints } // never answer (until the fault is cleared or the emulator stops)
  | { kind: 'delay'; ms: number } // answer late
  | { kind: 'zeroIndex' } // X-Consul-Index: 0
  | { kind: 'noIndex' } // no X-Consul-Index header
  | { kind: 'answer'; status: number; contentType: string; body: string } // KV reads answered with this, as a proxy in front might
  | { kind: 'index'; index: number } // X-Consul-Index always this, whatever the answer holds (blocking as usual)
  | { kind: 'status'; status: number; count: number } // the next `count` KV requests answered with this status, then none
  | { kind: 'stallBody'; on?: Endpoints }; // reads send their headers and half their body, then nothing more (the connection open)

/** Which requests a `hang` or `stallBody` fault takes: KV (the default), or the agent's (registration, health). */
export type Endpoints = 'kv' | 'agent';

/** How `fault` treats the answers a `hang` or `stallBody` fault holds. */
export interface FaultOptions {
  /**
   * Leave them held rather than closing them: an agent that recovered but never answers what it was asked before,
   * so only a client that gives up on its own sees the recovery.
   */
  keepHeld?: boolean;
}

/** The emulator's handle. */
export interface ConsulEmulator {
  /** `127.0.0.1:port`. */
  readonly address: string;
  readonly port: number;
  /** Writes a key directly (as another client would). */
  put(key: string, value: string): void;
  /** Deletes a key directly. */
  del(key: string): void;
  /** Writes several keys in one index, as a Consul transaction does. */
  transaction(entries: Record<string, string>): void;
  /** The current raft-like index. */
  readonly index: number;
  /** Injects a fault (or clears it with undefined); answers a fault held are closed unless `keepHeld`. */
  fault(fault: Fault | undefined, options?: FaultOptions): void;
  /** Moves every index back, as restoring an older snapshot does (the data stays); blocked queries answer at once. */
  resetIndex(to: number): void;
  /** Stops listening (connections are refused) and ends every blocked query; the data stays. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** How many KV requests were answered, for checks on request rates. */
  readonly requests: number;
  /** How many answers are held open now by a `hang` or `stallBody` fault. */
  readonly hanging: number;
  /** Whether it listens (not stopped). */
  readonly listening: boolean;
  /** Every key under a prefix and its value, read directly. */
  list(prefix: string): { key: string; value: string }[];
}

const MAX_WAIT = 10 * 60_000;

/** How the emulator checks its callers. */
export interface EmulatorOptions {
  /** ACL tokens and what each may do (KV only); without it every caller may do everything. */
  acl?: Record<string, 'read' | 'write'>;
  /** Answer 401 to any request without this HTTP basic authentication, as a proxy in front of an agent does. */
  basicAuth?: { username: string; password: string };
}

/** Starts the emulator on a free 127.0.0.1 port. */
export async function startConsulEmulator(options: EmulatorOptions = {}): Promise<ConsulEmulator> {
  const kv = new Map<string, Entry>();
  const tombstones = new Map<string, number>();
  let index = 1;
  let fault: Fault | undefined;
  let requests = 0;
  /** How many times the index was reset, as a snapshot restore does. */
  let restores = 0;
  let server: Server | undefined;
  // Below the ephemeral range, so the port is still free when a fault test stops and restarts the emulator.
  let port = await freePort();
  const waiters = new Set<() => void>();
  const hanging = new Set<ServerResponse>();
  const sockets = new Set<import('node:net').Socket>();

  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const bump = () => ++index;

  function write(key: string, value: Buffer, flags: number, at: number): void {
    const existing = kv.get(key);
    if (existing && existing.value.equals(value) && existing.flags === flags) return;
    kv.set(key, { value, flags, createIndex: existing?.createIndex ?? at, modifyIndex: at });
    tombstones.delete(key);
  }

  function remove(key: string, at: number): void {
    if (kv.delete(key)) tombstones.set(key, at);
  }

  function matching(key: string, recurse: boolean): string[] {
    if (!recurse) return kv.has(key) ? [key] : [];
    return [...kv.keys()].filter((k) => k.startsWith(key)).sort();
  }

  /** Consul's index for a KV query: the highest modify or tombstone index it covers, else the table's. */
  function queryIndex(key: string, recurse: boolean): number {
    let max = 0;
    for (const k of matching(key, recurse)) max = Math.max(max, kv.get(k)!.modifyIndex);
    for (const [k, at] of tombstones) if (recurse ? k.startsWith(key) : k === key) max = Math.max(max, at);
    return max || index;
  }

  function send(res: ServerResponse, status: number, body: unknown, at: number): void {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'X-Consul-KnownLeader': 'true',
      'X-Consul-LastContact': '0',
    };
    if (fault?.kind !== 'noIndex') headers['X-Consul-Index'] = fault?.kind === 'zeroIndex' ? '0' : fault?.kind === 'index' ? String(fault.index) : String(at);
    const text = body === undefined ? '' : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    if (fault?.kind === 'stallBody' && (fault.on ?? 'kv') === 'kv' && status === 200 && text.length > 1) {
      // The whole length is promised; half of it comes.
      res.writeHead(status, { ...headers, 'Content-Length': String(Buffer.byteLength(text)) });
      res.write(Buffer.from(text).subarray(0, Math.floor(Buffer.byteLength(text) / 2)));
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    res.writeHead(status, headers);
    res.end(text);
  }

  function token(req: IncomingMessage, url: URL): string | undefined {
    const header = req.headers['x-consul-token'];
    const bearer = req.headers.authorization?.replace(/^Bearer /, '');
    return (typeof header === 'string' ? header : undefined) ?? bearer ?? url.searchParams.get('token') ?? undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (options.basicAuth) {
      const expected = `Basic ${Buffer.from(`${options.basicAuth.username}:${options.basicAuth.password}`).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic' }).end('Unauthorized');
        return;
      }
    }
    if (!url.pathname.startsWith('/v1/kv/')) {
      await catalog(req, res, url);
      return;
    }
    requests++;
    const key = decodeURIComponent(url.pathname.slice('/v1/kv/'.length));
    const q = url.searchParams;
    if (q.has('stale') && q.has('consistent')) {
      res.writeHead(400).end('Cannot specify ?stale with ?consistent, conflicting semantics.');
      return;
    }
    if (fault?.kind === 'error500') {
      send(res, 500, 'rpc error: injected fault', index);
      return;
    }
    if (fault?.kind === 'status') {
      const { status } = fault;
      if (--fault.count <= 0) fault = undefined;
      send(res, status, 'rpc error: injected fault', index);
      return;
    }
    if (fault?.kind === 'hang' && (fault.on ?? 'kv') === 'kv') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, (fault as { ms: number }).ms));
    if (fault?.kind === 'answer' && req.method === 'GET') {
      res.writeHead(fault.status, { 'Content-Type': fault.contentType });
      res.end(fault.body);
      return;
    }
    if (options.acl) {
      const grant = options.acl[token(req, url) ?? ''];
      const needs = req.method === 'GET' ? 'read' : 'write';
      if (!grant || (needs === 'write' && grant !== 'write')) {
        res.writeHead(403).end('Permission denied');
        return;
      }
    }
    const body = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => resolve(Buffer.concat(chunks)));
    });

    if (req.method === 'PUT') {
      const flags = Number(q.get('flags') ?? 0);
      const cas = q.get('cas');
      const existing = kv.get(key);
      if (cas !== null && (Number(cas) === 0 ? existing !== undefined : existing?.modifyIndex !== Number(cas))) {
        send(res, 200, 'false', index);
        return;
      }
      if (!existing || !existing.value.equals(body) || existing.flags !== flags) write(key, body, flags, bump());
      send(res, 200, 'true', index);
      wake();
      return;
    }
    if (req.method === 'DELETE') {
      const cas = q.get('cas');
      if (cas !== null && kv.get(key)?.modifyIndex !== Number(cas)) {
        send(res, 200, 'false', index);
        return;
      }
      const doomed = matching(key, q.has('recurse'));
      if (doomed.length > 0) {
        const at = bump();
        for (const k of doomed) remove(k, at);
        wake();
      }
      send(res, 200, 'true', index);
      return;
    }
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }

    const recurse = q.has('recurse') || q.has('keys');
    const minIndex = Number(q.get('index') ?? 0);
    if (minIndex > 0) {
      const wait = Math.min(parseWait(q.get('wait')), MAX_WAIT);
      const deadline = Date.now() + wait + Math.random() * (wait / 16);
      await new Promise<void>((resolve) => {
        const finish = () => {
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        // A restore abandons every blocked query at once, as Consul's state store does, so they answer with the
        // lower index instead of waiting out their `wait`.
        const era = restores;
        const check = () => {
          if (queryIndex(key, recurse) > minIndex || !server?.listening || restores !== era) finish();
        };
        // The wait is over when the timer fires, even if it fires a little early.
        const timer = setTimeout(finish, Math.max(0, deadline - Date.now()));
        waiters.add(check);
        res.on('close', finish);
        check();
      });
      if (res.destroyed) return;
    }
    const at = queryIndex(key, recurse);
    const keys = matching(key, recurse);
    if (q.has('keys')) {
      const separator = q.get('separator');
      const listed = new Set<string>();
      for (const k of keys) {
        const cut = separator ? k.indexOf(separator, key.length) : -1;
        listed.add(cut >= 0 ? k.slice(0, cut + separator!.length) : k);
      }
      if (listed.size === 0) send(res, 404, undefined, at);
      else send(res, 200, [...listed].sort(), at);
      return;
    }
    if (keys.length === 0) {
      send(res, 404, undefined, at);
      return;
    }
    if (q.has('raw')) {
      send(res, 200, kv.get(keys[0]!)!.value, at);
      return;
    }
    send(
      res,
      200,
      keys.map((k) => {
        const entry = kv.get(k)!;
        return {
          LockIndex: 0,
          Key: k,
          Flags: entry.flags,
          Value: entry.value.length === 0 ? null : entry.value.toString('base64'),
          CreateIndex: entry.createIndex,
          ModifyIndex: entry.modifyIndex,
        };
      }),
      at,
    );
  }

  function hold(res: ServerResponse): void {
    hanging.add(res);
    res.on('close', () => hanging.delete(res));
  }

  // Service discovery, enough for a registry: agent registration with a TTL check, check passes, health look-ups.
  const services = new Map<string, { ID: string; Service: string; Address: string; Port: number; Meta: Record<string, string>; Tags: string[]; ttl: number; passedAt: number; registeredAt: number; criticalAfter: number }>();

  function status(entry: { ttl: number; passedAt: number }): 'passing' | 'critical' {
    return entry.passedAt > 0 && Date.now() - entry.passedAt <= entry.ttl ? 'passing' : 'critical';
  }

  async function catalog(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const json = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      if (fault?.kind === 'stallBody' && fault.on === 'agent') {
        // The whole length is promised; half of it comes.
        res.writeHead(status, { 'Content-Type': 'application/json', 'X-Consul-Index': String(index), 'Content-Length': String(Buffer.byteLength(text)) });
        res.write(Buffer.from(text).subarray(0, Math.floor(Buffer.byteLength(text) / 2)));
        hold(res);
        return;
      }
      res.writeHead(status, { 'Content-Type': 'application/json', 'X-Consul-Index': String(index) });
      res.end(text);
    };
    const text = await new Promise<string>((resolve) => {
      let data = '';
      req.on('data', (chunk: Buffer) => (data += chunk.toString()));
      req.on('end', () => resolve(data));
    });
    if (fault?.kind === 'hang' && fault.on === 'agent') return void hold(res);
    // Services whose check stayed critical past DeregisterCriticalServiceAfter are gone.
    // A TTL check is critical from registration until its first pass, and again when a pass is overdue.
    for (const [id, entry] of services) {
      const criticalSince = entry.passedAt ? entry.passedAt + entry.ttl : entry.registeredAt;
      if (Date.now() - criticalSince > entry.criticalAfter) services.delete(id);
    }
    const path = url.pathname;
    if (req.method === 'PUT' && path === '/v1/agent/service/register') {
      const body = JSON.parse(text || '{}') as {
        ID?: string; Name: string; Address?: string; Port?: number; Meta?: Record<string, string>; Tags?: string[];
        Check?: { TTL?: string; DeregisterCriticalServiceAfter?: string };
      };
      const id = body.ID ?? body.Name;
      services.set(id, {
        ID: id, Service: body.Name, Address: body.Address ?? '', Port: body.Port ?? 0, Meta: body.Meta ?? {}, Tags: body.Tags ?? [],
        ttl: parseWait(body.Check?.TTL ?? '30s'), passedAt: 0, registeredAt: Date.now(), criticalAfter: parseWait(body.Check?.DeregisterCriticalServiceAfter ?? '72h'),
      });
      bump();
      json(200, null);
      return;
    }
    const deregister = /^\/v1\/agent\/service\/deregister\/(.+)$/.exec(path);
    if (req.method === 'PUT' && deregister) {
      services.delete(decodeURIComponent(deregister[1]!));
      bump();
      json(200, null);
      return;
    }
    const pass = /^\/v1\/agent\/check\/pass\/service:(.+)$/.exec(decodeURIComponent(path));
    if (req.method === 'PUT' && pass) {
      const entry = services.get(pass[1]!);
      if (!entry) {
        res.writeHead(404).end('CheckID does not have associated TTL');
        return;
      }
      entry.passedAt = Date.now();
      json(200, null);
      return;
    }
    if (req.method === 'GET' && path === '/v1/agent/services') {
      json(200, Object.fromEntries([...services].map(([id, e]) => [id, { ID: e.ID, Service: e.Service, Address: e.Address, Port: e.Port, Meta: e.Meta, Tags: e.Tags }])));
      return;
    }
    const health = /^\/v1\/health\/service\/(.+)$/.exec(path);
    if (req.method === 'GET' && health) {
      const name = decodeURIComponent(health[1]!);
      const passing = url.searchParams.has('passing');
      const entries = [...services.values()]
        .filter((e) => e.Service === name && (!passing || status(e) === 'passing'))
        .map((e) => ({
          Node: { Node: 'emulator', Address: '127.0.0.1' },
          Service: { ID: e.ID, Service: e.Service, Address: e.Address, Port: e.Port, Meta: e.Meta, Tags: e.Tags },
          Checks: [{ CheckID: `service:${e.ID}`, Status: status(e), ServiceID: e.ID }],
        }));
      json(200, entries);
      return;
    }
    res.writeHead(404).end(`no route for ${req.method} ${path}`);
  }

  async function start(): Promise<void> {
    server = createServer((req, res) => {
      handle(req, res).catch(() => res.destroy());
    });
    // Consul (Go's HTTP server, no idle timeout) keeps an idle connection open; Node closes one after 5 s, and a
    // client reusing it just then gets ECONNRESET: a failure no Consul gives.
    server.keepAliveTimeout = 0;
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, '127.0.0.1', () => resolve());
    });
    port = (server.address() as AddressInfo).port;
  }

  async function stop(): Promise<void> {
    const closing = server;
    server = undefined;
    if (!closing) return;
    wake();
    for (const res of hanging) res.destroy();
    hanging.clear();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => closing.close(() => resolve()));
  }

  // A port found free a moment ago may be taken meanwhile by another test's server: then another is picked.
  for (let attempt = 1; ; attempt++) {
    try {
      await start();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 5) throw error;
      port = await freePort();
    }
  }
  return {
    get address() {
      return `127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    get index() {
      return index;
    },
    get requests() {
      return requests;
    },
    get hanging() {
      return hanging.size;
    },
    get listening() {
      return server?.listening === true;
    },
    list(prefix) {
      return matching(prefix, true).map((key) => ({ key, value: kv.get(key)!.value.toString() }));
    },
    put(key, value) {
      const existing = kv.get(key);
      if (existing?.value.equals(Buffer.from(value))) return;
      write(key, Buffer.from(value), 0, bump());
      wake();
    },
    del(key) {
      if (!kv.has(key)) return;
      remove(key, bump());
      wake();
    },
    transaction(entries) {
      const at = bump();
      for (const [key, value] of Object.entries(entries)) write(key, Buffer.from(value), 0, at);
      wake();
    },
    fault(next, faultOptions = {}) {
      fault = next;
      if (!next && faultOptions.keepHeld !== true) {
        for (const res of hanging) res.destroy();
        hanging.clear();
      }
    },
    resetIndex(to) {
      index = to;
      restores += 1;
      for (const entry of kv.values()) {
        entry.modifyIndex = Math.min(entry.modifyIndex, to);
        entry.createIndex = Math.min(entry.createIndex, to);
      }
      tombstones.clear();
      wake();
    },
    start,
    stop,
  };
}

function parseWait(text: string | null): number {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(text ?? '');
  if (!match) return 5 * 60_000;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's'] ?? 1000;
  return Number(match[1]) * unit;
}
