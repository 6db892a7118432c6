import { isIP } from 'node:net';
import { ConfigError } from '../index.ts';

/** A host and a port, the host without IPv6 brackets. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Where a server listens when `server.address` names no host: this host only. */
export const DEFAULT_HOST = '127.0.0.1';

const invalid = (why: string) => new ConfigError(`invalid server address: ${why}`, { code: 'INVALID_OPTION', path: 'server.address' });

/**
 * Reads `server.address`: `host:port`, `[v6]:port`, `:port` or a bare port (`8080`) on 127.0.0.1, or a host alone on
 * a port the system picks. A host that is not given is this host only: every interface is asked for by name
 * (`0.0.0.0:8080`, `[::]:8080`). Throws a ConfigError naming the key, never quoting the value.
 */
export function parseListenAddress(text: string): HostPort {
  const address = text.trim();
  if (address === '') return { host: DEFAULT_HOST, port: 0 };
  if (/^\d+$/.test(address)) return { host: DEFAULT_HOST, port: portOf(address) };
  if (address.startsWith('[')) {
    const close = address.indexOf(']');
    const host = address.slice(1, close);
    const rest = address.slice(close + 1);
    if (close < 0 || isIP(host) !== 6) throw invalid('an address in brackets must be an IPv6 address, as [::1]:8080');
    if (rest === '') return { host, port: 0 };
    if (!rest.startsWith(':')) throw invalid('expected a port after the bracketed IPv6 address');
    return { host, port: portOf(rest.slice(1)) };
  }
  const cut = address.indexOf(':');
  if (cut < 0) return { host: hostOf(address), port: 0 };
  if (address.indexOf(':', cut + 1) >= 0) throw invalid('an IPv6 address needs brackets, as [::1]:8080');
  return { host: cut === 0 ? DEFAULT_HOST : hostOf(address.slice(0, cut)), port: portOf(address.slice(cut + 1)) };
}

function portOf(text: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65_535)) throw invalid('the port must be a number from 0 to 65535');
  return port;
}

function hostOf(text: string): string {
  // A name or an IPv4 address: letters, digits, dots and dashes (no scheme, path or credentials).
  if (!/^[A-Za-z0-9.-]{1,253}$/.test(text)) throw invalid('the host must be a name or an IP address');
  return text;
}

/** `host:port`, with brackets around an IPv6 host. */
export function formatAddress(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

/** Reads a node's `host:port` or `[v6]:port` for dialing; undefined if it is not one. */
export function splitAddress(address: string): HostPort | undefined {
  const bracketed = /^\[([^\]]+)\]:(\d{1,5})$/.exec(address);
  const plain = bracketed ? undefined : /^([^:[\]]+):(\d{1,5})$/.exec(address);
  const match = bracketed ?? plain;
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65_535) return undefined;
  return { host: match[1]!, port };
}

/** Whether a host is this machine's loopback (127.0.0.0/8, ::1, an IPv4-mapped loopback, or `localhost`). */
export function isLoopback(host: string): boolean {
  const lower = host.toLowerCase();
  if (lower === 'localhost' || lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
  const v4 = lower.startsWith('::ffff:') ? lower.slice(7) : lower;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** Whether a host stands for every interface. */
export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '0:0:0:0:0:0:0:0';
}

/** One address of a network interface, as `os.networkInterfaces()` lists it. */
export interface InterfaceAddress {
  readonly address: string;
  readonly family: string | number;
  readonly internal: boolean;
}

/**
 * The host a node advertises for the address it is bound to: that address itself, except for a wildcard, which no
 * other host can dial: then the first external address of this host's interfaces (IPv4 first; link-local IPv6 never),
 * else loopback.
 */
export function advertisedHost(bound: string, interfaces: readonly InterfaceAddress[]): string {
  if (!isWildcard(bound)) return bound;
  const external = interfaces.filter((item) => !item.internal);
  const v4 = external.find((item) => item.family === 'IPv4' || item.family === 4);
  const v6 = external.find((item) => (item.family === 'IPv6' || item.family === 6) && !item.address.toLowerCase().startsWith('fe80:'));
  return (v4 ?? v6)?.address ?? DEFAULT_HOST;
}
