// The runtime's tunables, read from the config with their defaults and bounds in one place.
import type { Config, Value } from '../index.ts';
import type { ServerLimits } from './server.ts';
import { MAX_DELAY } from '../option-checks.ts';

const MiB = 1024 * 1024;

/** Defaults of the runtime's bounds (ms and bytes). */
export const defaults = Object.freeze({
  drainTimeout: 10_000,
  headerTimeout: 10_000,
  bodyTimeout: 30_000,
  registerTimeout: 10_000,
  maxRequestBytes: MiB,
  maxAnswerBytes: 4 * MiB,
  clientTimeout: 5_000,
  ttl: 30_000,
});

/**
 * The value at a key, or at its lower-cased spelling: env vars and flags are lower-cased
 * (`MICRO_SERVER_DRAINTIMEOUT` is `server.draintimeout`), and keys are case-sensitive.
 */
function setting(config: Config, path: string): Value {
  const value = config.get(path);
  return value.exists() ? value : config.get(path.toLowerCase());
}

/** A duration in ms: the default when missing, unreadable or not positive (0 allowed with `zero`), at most ~24 days. */
function duration(config: Config, path: string, fallback: number, zero = false): number {
  const ms = setting(config, path).duration(fallback);
  if (!Number.isFinite(ms) || ms < 0 || (ms === 0 && !zero)) return fallback;
  return Math.min(Math.round(ms), MAX_DELAY);
}

/** A size in bytes: the default when missing, unreadable or not positive. */
function bytes(config: Config, path: string, fallback: number): number {
  const n = setting(config, path).int(fallback);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

/** `server.headerTimeout`, `server.bodyTimeout`, `server.maxRequestBytes`. */
export function serverLimits(config: Config): ServerLimits {
  return {
    headerTimeout: duration(config, 'server.headerTimeout', defaults.headerTimeout),
    bodyTimeout: duration(config, 'server.bodyTimeout', defaults.bodyTimeout),
    maxRequestBytes: bytes(config, 'server.maxRequestBytes', defaults.maxRequestBytes),
  };
}

/** `server.drainTimeout`: how long `stop()` waits for calls in flight (0: not at all). */
export function drainTimeout(config: Config): number {
  return duration(config, 'server.drainTimeout', defaults.drainTimeout, true);
}

/**
 * `server.ttl`: how long a registration lasts unless renewed. Not positive takes the default, as every duration
 * here: a TTL of 0 or less made the node expire as it registered, so it was never found.
 */
export function registrationTtl(config: Config): number {
  return duration(config, 'server.ttl', defaults.ttl);
}

/** `server.interval`: how often the node registers again (default a third of its TTL). */
export function refreshInterval(config: Config, ttl: number): number {
  return duration(config, 'server.interval', ttl / 3);
}

/** `server.registerTimeout`: how long one registration or deregistration may take. */
export function registerTimeout(config: Config): number {
  return duration(config, 'server.registerTimeout', defaults.registerTimeout);
}

/** The client's bounds: `client.timeout`, `client.maxRequestBytes`, `client.maxAnswerBytes`. */
export interface ClientLimits {
  readonly timeout: number;
  readonly maxRequestBytes: number;
  readonly maxAnswerBytes: number;
}

/** Reads the client's bounds; a call's own timeout, when given and positive, replaces `client.timeout`. */
export function clientLimits(config: Config, timeout?: number): ClientLimits {
  const configured = duration(config, 'client.timeout', defaults.clientTimeout);
  return {
    timeout: timeout !== undefined && Number.isFinite(timeout) && timeout > 0 ? Math.min(timeout, MAX_DELAY) : configured,
    maxRequestBytes: bytes(config, 'client.maxRequestBytes', defaults.maxRequestBytes),
    maxAnswerBytes: bytes(config, 'client.maxAnswerBytes', defaults.maxAnswerBytes),
  };
}
