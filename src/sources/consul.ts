import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type Consul from 'consul';
import type { Encoders } from '../encoders/user.ts';
import { parseDuration } from '../reader/convert.ts';
import { ConfigError } from '../errors.ts';
import { checkOptionNames, delayOption, optionNames } from '../option-checks.ts';
import { consulUrl } from './consul-address.ts';
import { loadOptional } from '../optional.ts';
import { normalizePrefix, samePairs, type KvPair } from './kv.ts';
import { answerLimit, storeSource, type StoreClient } from './remote.ts';
import { AnswerTooLarge, capAnswers } from './capped-agent.ts';
import { DEFAULT_MAX_BYTES } from '../reader/budget.ts';
import { applyWatchOption, type Source, type SourceOptions } from './source.ts';
import { sleep } from '../sleep.ts';

/** Options of a Consul KV source. */
export interface ConsulSourceOptions extends SourceOptions {
  /** The key prefix whose keys make the layer (default `micro/config`); it is stripped and `/` nests. */
  prefix?: string | undefined;
  /** `host:port` or a URL (default `CONSUL_HTTP_ADDR`, else `127.0.0.1:8500`). */
  address?: string | undefined;
  /** The agent's host, instead of `address`. */
  host?: string | undefined;
  /** The agent's port, instead of `address`. */
  port?: number | undefined;
  /** Talk HTTPS (implied by an `https://` address or by `tls`). */
  secure?: boolean | undefined;
  /** TLS material: the CA, and the client's certificate and key for mutual TLS (PEM, as text or bytes). */
  tls?: { ca?: Uint8Array | string | undefined; cert?: Uint8Array | string | undefined; key?: Uint8Array | string | undefined } | undefined;
  /** The ACL token (default `CONSUL_HTTP_TOKEN`), sent as `X-Consul-Token` on every request, watches included. */
  token?: string | undefined;
  /** The datacenter. */
  dc?: string | undefined;
  /** HTTP basic authentication, for an agent behind a proxy that asks for it (the ACL token is `token`). */
  auth?: { username: string; password: string } | undefined;
  /** How long one blocking query waits for a change, as a Go duration (default `60s`). */
  wait?: string | undefined;
  /** How long a plain read may take (ms, default 5000). */
  timeout?: number | undefined;
  /** A file keeping the last good layer, so the service starts while Consul is down. */
  cache?: string | undefined;
  /** Longest wait between retries after an error (ms, default 2000). */
  maxRetryDelay?: number | undefined;
  /**
   * Expand `${VAR}` in the store's values (default false). Off, a value is literal: whoever can write a key cannot
   * copy the service's environment (`token: ${AWS_SECRET_ACCESS_KEY}`) into its configuration.
   */
  expandEnv?: boolean | undefined;
  /**
   * Formats of this source's own, by name (Go Config's `source.WithEncoder`): a key with one of their extensions
   * (`app/db.ini`) decodes with it, before the config's `encoders` and the built-in formats (see `Encoder`).
   */
  encoders?: Encoders | undefined;
}

/** How often a Consul that sends no usable index is asked again (ms). */
const POLL_INTERVAL = 1000;

/** The least time between the starts of two blocking queries (ms): at most 20 a second, however the agent answers. */
const MIN_QUERY_SPACING = 50;

interface Answer {
  pairs: KvPair[];
  /** X-Consul-Index, or undefined when the agent sent none (or 0). */
  index: bigint | undefined;
}

const CONSUL_OPTIONS = optionNames<ConsulSourceOptions>()('prefix', 'address', 'host', 'port', 'secure', 'tls', 'token', 'dc', 'auth', 'wait', 'timeout', 'cache', 'maxRetryDelay', 'expandEnv', 'encoders', 'name', 'optional', 'watch');

/**
 * Configuration kept in Consul's KV store under a prefix, followed with blocking queries: a change arrives as soon
 * as Consul has it. An index that goes backwards (a restored snapshot, a new cluster) starts over from scratch;
 * an unchanged index publishes nothing; errors back off and resynchronize.
 */
export function consulSource(options: ConsulSourceOptions = {}): Source {
  options = checkOptionNames(options, CONSUL_OPTIONS, 'consulSource');
  const prefix = normalizePrefix(options.prefix ?? 'micro/config');
  const target = resolveAddress(options);
  const timeout = delayOption(options.timeout, 'timeout', { source: 'consul' }) ?? 5000;
  const wait = options.wait ?? '60s';
  // A number from JavaScript (60000) is no Go duration either: told as such, not a TypeError from the parser.
  const parsed = typeof wait === 'string' ? parseDuration(wait) : undefined;
  const waitMs = delayOption(parsed ?? Number.NaN, 'wait (a Go duration such as "60s")', { source: 'consul' }) ?? 60_000;
  const maxRetryDelay = delayOption(options.maxRetryDelay, 'maxRetryDelay', { source: 'consul', zero: true }) ?? 2000;
  const token = options.token ?? process.env.CONSUL_HTTP_TOKEN;
  let connection: Promise<Consul> | undefined;
  /** The config's maxBytes, told on each read: what the next answer may take. */
  let maxBytes = DEFAULT_MAX_BYTES;

  function connect(): Promise<Consul> {
    connection ??= (async () => {
      const { default: ConsulClient } = await loadOptional('consul', 'consulSource', () => import('consul'));
      const tls = options.tls;
      // node:https costs ~9 ms to import: only a TLS setup pays for it. The client reads every answer whole before
      // handing it over: its agent cuts one off once it is larger than a layer within maxBytes can be, which takes
      // a connection of its own for each request.
      const agent = capAnswers(
        target.secure
          ? new (await import('node:https')).Agent({ ca: pem(tls?.ca), cert: pem(tls?.cert), key: pem(tls?.key), keepAlive: false })
          : new (await import('node:http')).Agent({ keepAlive: false }),
        () => answerLimit(maxBytes),
        // An answer begun comes whole within a read's time between its bytes, also a blocking query's.
        { stalledAfter: timeout },
      );
      return new ConsulClient({
        // The client takes baseUrl, though its types omit it.
        ...(options.auth ? { baseUrl: baseUrl(target, options.auth) } : { host: target.host, port: target.port, secure: target.secure }),
        agent,
        defaults: { ...(token ? { token } : {}), ...(options.dc ? { dc: options.dc } : {}) },
        ...kvDecoders,
      });
    })();
    return connection;
  }

  /** One KV query: immediate without an index, blocking with one. */
  async function query(index: bigint | undefined, signal: AbortSignal): Promise<Answer> {
    const consul = await connect();
    const context = Object.assign(new EventEmitter(), { includeResponse: true });
    const cancel = () => context.emit('cancel');
    signal.addEventListener('abort', cancel, { once: true });
    try {
      const blocking = index !== undefined;
      const request = {
        // The prefix itself (not `prefix/`), so its own key, which may hold a whole document, is included.
        key: prefix,
        recurse: true,
        ctx: context,
        // Consul may answer up to wait/16 late; the request must outlive that.
        timeout: blocking ? waitMs + waitMs / 16 + timeout : timeout,
        ...(blocking ? { index: index.toString(), wait } : {}),
      };
      // The client reads anything that is not a non-empty JSON array as "no keys": the answer itself is judged.
      const [response] = (await consul.kv.get(request as unknown as Parameters<Consul['kv']['get']>[0]).catch(refused)) as unknown as [
        IncomingMessage & { body?: unknown },
      ];
      const header = response.headers['x-consul-index'];
      const parsed = typeof header === 'string' && /^\d+$/.test(header) ? BigInt(header) : undefined;
      return { pairs: kvListing(response), index: parsed === 0n ? undefined : parsed };
    } finally {
      signal.removeEventListener('abort', cancel);
    }
  }

  const client: StoreClient = {
    store: 'Consul',
    where: `${target.label} (prefix ${prefix})`,
    fetch: async (signal, limit) => {
      maxBytes = limit;
      return (await query(undefined, signal)).pairs;
    },
    async follow(publish, fail, signal) {
      let index: bigint | undefined;
      /** The keys last handed over, to tell a change the index does not show. */
      let published: KvPair[] | undefined;
      let failures = 0;
      while (!signal.aborted) {
        let answer: Answer;
        const started = Date.now();
        try {
          answer = await query(index, signal);
        } catch (error) {
          if (signal.aborted) return;
          // After an error the agent may be a new one with a lower index, where a blocking query would hang for
          // the whole wait: the next query starts over without an index.
          if (failures === 0) {
            fail(new ConfigError(`lost Consul at ${target.label}: ${(error as Error).message}; retrying`, { code: 'WATCH', cause: error }));
          }
          index = undefined;
          failures += 1;
          await sleep(Math.min(50 * 2 ** failures, maxRetryDelay), signal);
          continue;
        }
        failures = 0;
        // Unless the wait ran out with nothing new: an index that went back is a reset, this answer a full read, and
        // the next query blocks from it. An answer of other keys under the same index (an agent restored to another
        // state at that index, a proxy caching the header) is news too: judged by the index alone, it was dropped,
        // and every change after it while the index stayed put.
        if (index === undefined || answer.index !== index || !samePairs(answer.pairs, published)) {
          index = answer.index;
          published = answer.pairs;
          await publish(answer.pairs);
          // Without a usable index (a missing or zero X-Consul-Index) a query cannot block: poll instead of spinning.
          if (index === undefined) {
            await sleep(Math.min(POLL_INTERVAL, waitMs), signal);
            continue;
          }
        }
        // An agent, or a proxy before it, that does not hold a blocking query answers it at once, with the same
        // index or another: asked again at once, the source spun (500 queries a second, 70% of a core, for the
        // config's life). Queries start at least MIN_QUERY_SPACING apart; a change after a wait is still read at once.
        const early = MIN_QUERY_SPACING - (Date.now() - started);
        if (early > 0) await sleep(early, signal);
      }
    },
    async release() {
      const consul = await connection?.catch(() => undefined);
      consul?.destroy();
    },
  };
  return applyWatchOption(storeSource({ name: options.name ?? `consul:${prefix}`, prefix, optional: options.optional, cache: options.cache, expandEnv: options.expandEnv, encoders: options.encoders }, client), options);
}

/** TLS options take text or Buffers. */
const pem = (value: Uint8Array | string | undefined) => (value === undefined || typeof value === 'string' ? value : Buffer.from(value));

/** The agent's API URL carrying the credentials, which the client sends as basic authentication. */
function baseUrl(target: Target, auth: { username: string; password: string }): string {
  const url = new URL(`${target.secure ? 'https' : 'http'}://${target.host.includes(':') && !target.host.startsWith('[') ? `[${target.host}]` : target.host}:${target.port}/v1`);
  url.username = encodeURIComponent(auth.username);
  url.password = encodeURIComponent(auth.password);
  return url.href;
}

/**
 * The keys of a KV answer: Consul's 404 for a prefix with no keys, or a JSON array of KV entries. Anything else (an
 * HTML page from a proxy, JSON sent as text, an object) is an error, like a 500: the last good layer stays.
 */
function kvListing(response: IncomingMessage & { body?: unknown }): KvPair[] {
  if (response.statusCode === 404) return [];
  const type = (response.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const body = response.body;
  const entries = Array.isArray(body) ? (body as unknown[]) : undefined;
  const valid = entries?.every(isKvEntry) ?? false;
  if (type !== 'application/json' || !entries || !valid) {
    const what = type !== 'application/json' ? `content of type ${/^[\w.+-]{1,60}\/[\w.+-]{1,60}$/.test(type) ? type : 'unknown'}` : !entries ? `JSON that is not a list` : 'a list whose entries are not KV entries';
    throw new ConfigError(`Consul answered status ${response.statusCode ?? '?'} with ${what}, not a KV listing`, { code: 'READ' });
  }
  return kvPairs(entries);
}

/** The entries of a KV listing (checked, or as the client answered with a `consul` client given `kvDecoders`) as pairs. */
export function kvPairs(entries: readonly unknown[]): KvPair[] {
  return (entries as { Key: string; Value?: Uint8Array | NotBase64 | null }[]).map((entry) =>
    entry.Value instanceof NotBase64
      ? { key: entry.Key, value: '', unreadable: { reason: 'the value Consul answered with is not base64', keyCut: false } }
      : { key: entry.Key, value: entry.Value ?? '' },
  );
}

/**
 * Options of a `consul` client under which its JSON answers are parsed here (its HTTP layer takes decoders by
 * content type; its types omit them), where a KV entry's value is still the base64 the agent sent: see
 * `decodeValues`.
 */
export const kvDecoders: object = { decoders: { 'application/json': (body: Buffer) => decodeValues(JSON.parse(body.toString()) as unknown) } };

/** A KV entry's value that is not base64 (see `decodeValues`). */
class NotBase64 {}

/**
 * A parsed JSON answer of the agent, each KV entry's value decoded from base64 into bytes, which the client then
 * leaves as they are. Its own decode took anything: `Buffer.from(value, 'base64')` skips what is not base64, and its
 * text turned bytes that are not UTF-8 into U+FFFD; a value read so would be another value, with no word said. Here
 * a value is base64 only when its bytes encode back to it (padded, with `+` and `/`, as Consul writes it); one that
 * is not is marked, and refused naming its key. The bytes are read as text with the other stores' (see `kvTree`).
 */
function decodeValues(body: unknown): unknown {
  if (!Array.isArray(body)) return body;
  for (const entry of body as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const record = entry as { Value?: unknown };
    if (typeof record.Value !== 'string') continue;
    const bytes = Buffer.from(record.Value, 'base64');
    record.Value = bytes.toString('base64') === record.Value ? bytes : new NotBase64();
  }
  return body;
}

/**
 * An answer cut off at its limit is LIMIT. An answer the client failed to decode: its error quotes the start of the
 * answer (JSON.parse's message does), which may be anything, so it is replaced by one that does not.
 */
function refused(error: unknown): never {
  if (error instanceof AnswerTooLarge) throw new ConfigError(`Consul's answer is larger than ${error.limit} bytes`, { code: 'LIMIT' });
  const message = error instanceof Error ? error.message : '';
  const codec = /\bdecode \(([\w.+/-]{1,100})\) failed/.exec(message);
  if (codec) throw new ConfigError(`Consul's answer did not decode as ${codec[1]}`, { code: 'READ' });
  throw error;
}

/** An entry of a KV listing, as the client hands it over (its Value decoded from base64 by `decodeValues`, or null). */
function isKvEntry(entry: unknown): boolean {
  if (typeof entry !== 'object' || entry === null) return false;
  const { Key, Value } = entry as { Key?: unknown; Value?: unknown };
  return typeof Key === 'string' && (Value === undefined || Value === null || Value instanceof Uint8Array || Value instanceof NotBase64);
}

interface Target {
  host: string;
  port: number;
  secure: boolean;
  label: string;
}

function resolveAddress(options: ConsulSourceOptions): Target {
  const address = options.address ?? (options.host === undefined ? process.env.CONSUL_HTTP_ADDR : undefined) ?? '127.0.0.1:8500';
  const url = consulUrl(address, 'consul');
  const secure = options.secure ?? (url.protocol === 'https:' || options.tls !== undefined);
  const host = options.host ?? url.hostname;
  const port = options.port ?? (url.port ? Number(url.port) : 8500);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new ConfigError('consul: the Consul port must be a port number from 1 to 65535', { code: 'INVALID_OPTION' });
  }
  return { host, port, secure, label: `${secure ? 'https' : 'http'}://${host}:${port}` };
}

