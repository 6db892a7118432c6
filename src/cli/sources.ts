import { consulSource } from '../sources/consul.ts';
import { envSource } from '../sources/env.ts';
import { etcdSource } from '../sources/etcd.ts';
import { basename, extname } from 'node:path';
import { formatName } from '../encoders/index.ts';
import { ConfigError } from '../errors.ts';
import { fileSource } from '../sources/file.ts';
import { otherThanFile } from '../sources/read-file.ts';
import type { Source } from '../sources/source.ts';

/** The extensions `--file` reads: the command has no other way to give a file's format. */
export const FILE_EXTENSIONS = '.json .json5 .jsonc .yaml .yml .toml .env';

/** User name and password taken out of a store's URL. */
export interface Credentials {
  username: string;
  password: string;
}

/** A store given on the command line: where it is (never with credentials) and how to sign in. */
export interface StoreSpec {
  kind: 'consul' | 'etcd';
  /** Consul's `host:port` or URL, or etcd's comma-separated URLs, without user name and password. */
  address: string;
  /** The key prefix (`--prefix`), when one was given. */
  prefix: string | undefined;
  /** From `http://user:password@host:port`: etcd's authentication, or HTTP basic authentication for Consul. */
  auth: Credentials | undefined;
}

/** One source option of the command line. */
export type SourceSpec = { kind: 'file'; path: string } | { kind: 'env'; prefix: string | undefined } | StoreSpec;

/** The source options in the order given, or what is wrong with them (bad usage). */
export type ParsedSources = { specs: SourceSpec[]; problem?: undefined } | { specs?: undefined; problem: string };

/** How messages name a store: `etcd at http://127.0.0.1:2379`, `Consul at 127.0.0.1:8500` (never with credentials). */
export function storeWhere(store: Pick<StoreSpec, 'kind' | 'address'>): string {
  return `${store.kind === 'etcd' ? 'etcd' : 'Consul'} at ${store.address}`;
}

/** Each store's default prefix, as its source has it. */
export const DEFAULT_PREFIX = { consul: 'micro/config', etcd: '/micro/config' } as const;

/**
 * Reads the source options (`--file`, `--env [prefix]`, `--consul`, `--etcd`, each store followed by its `--prefix`)
 * in the order given: a later source wins over an earlier one, as in createConfig. Commander checks the rest.
 */
export function parseSources(argv: readonly string[]): ParsedSources {
  const specs: SourceSpec[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const cut = arg.indexOf('=');
    const [name, inline] = arg.startsWith('--') && cut > 0 ? [arg.slice(0, cut), arg.slice(cut + 1)] : [arg, undefined];
    const next = () => inline ?? argv[++i];
    if (name === '--') break;
    if (name === '--file') {
      const path = next();
      // An empty one is a variable that was not set (`--file="$CONFIG"`): skipping it would read the rest alone.
      if (path === '') return { problem: '--file needs a path' };
      if (path !== undefined) specs.push({ kind: 'file', path });
    } else if (name === '--env') {
      const following = argv[i + 1];
      specs.push({ kind: 'env', prefix: inline ?? (following !== undefined && !following.startsWith('-') ? argv[++i] : undefined) });
    } else if (name === '--consul' || name === '--etcd') {
      const kind = name === '--consul' ? 'consul' : 'etcd';
      const given = next();
      if (!given) return { problem: `${name} needs an address` };
      const store = storeAddress(kind, given);
      if (typeof store === 'string') return { problem: store };
      specs.push({ kind, ...store, prefix: undefined });
    } else if (name === '--prefix') {
      const prefix = next();
      const last = specs.at(-1);
      if (!last || (last.kind !== 'consul' && last.kind !== 'etcd')) return { problem: '--prefix must follow the --consul or --etcd it belongs to' };
      if (last.prefix !== undefined) return { problem: `--prefix given twice for one --${last.kind}` };
      if (prefix === undefined) return { problem: '--prefix needs a value' };
      last.prefix = prefix;
    }
  }
  return { specs };
}

/**
 * A store address with any `user:password@` taken out of its URLs (every one of etcd's hosts must then carry the
 * same), or what is wrong with it. Neither the password nor the address holding it is ever part of a message.
 */
export function storeAddress(kind: StoreSpec['kind'], given: string): Pick<StoreSpec, 'address' | 'auth'> | string {
  let auth: Credentials | undefined;
  const addresses: string[] = [];
  const parts = kind === 'etcd' ? given.split(',') : [given];
  const signed = parts.filter((part) => part.includes('@')).length;
  if (signed > 0 && signed < parts.length) return `--${kind}: give the credentials in every host, or in none`;
  for (const part of parts) {
    if (!part.includes('@')) {
      addresses.push(part);
      continue;
    }
    const signedPart = splitCredentials(part);
    if (signedPart === undefined) return `--${kind}: an address with credentials must be a URL (http://user:password@host:port)`;
    const { found, address } = signedPart;
    if (auth && (auth.username !== found.username || auth.password !== found.password)) {
      return `--${kind}: the hosts carry different credentials`;
    }
    auth = found;
    addresses.push(address);
  }
  return { address: addresses.join(','), auth };
}

/**
 * `scheme://user:password@host:port` split by hand: the user information ends at the last `@` (a URL parser reads
 * `root:2024/pw@host` as a host `root`, a port and a path, leaving the password in the address). Undefined when
 * the rest is no URL, or when an `@` remains in the address.
 */
function splitCredentials(part: string): { found: Credentials; address: string } | undefined {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(part)?.[0] ?? 'http://';
  const rest = part.startsWith(scheme) ? part.slice(scheme.length) : part;
  const at = rest.lastIndexOf('@');
  const info = rest.slice(0, at);
  const colon = info.indexOf(':');
  let found: Credentials;
  let url: URL;
  try {
    found = {
      username: decodeURIComponent(colon < 0 ? info : info.slice(0, colon)),
      password: colon < 0 ? '' : decodeURIComponent(info.slice(colon + 1)),
    };
    url = new URL(`${scheme}${rest.slice(at + 1)}`);
  } catch {
    return undefined;
  }
  if (url.username !== '' || url.password !== '') return undefined;
  const address = url.pathname === '/' && url.search === '' && url.hash === '' ? `${url.protocol}//${url.host}` : url.href;
  return address.includes('@') ? undefined : { found, address };
}

/** How long a store may take to answer, unless `--timeout` says otherwise (ms). */
export const DEFAULT_STORE_TIMEOUT = 3000;

/** The library's source for a command-line source; a store's reads may take `timeout` ms. */
export function makeSource(spec: SourceSpec, timeout = DEFAULT_STORE_TIMEOUT): Source {
  switch (spec.kind) {
    case 'file':
      checkFileFormat(spec.path);
      return fileSource(spec.path);
    case 'env':
      return envSource(spec.prefix ? { strippedPrefix: spec.prefix } : {});
    case 'consul':
      return consulSource({ address: spec.address, auth: spec.auth, prefix: spec.prefix ?? DEFAULT_PREFIX.consul, timeout });
    case 'etcd':
      return etcdSource({ hosts: spec.address.split(','), auth: spec.auth, prefix: spec.prefix ?? DEFAULT_PREFIX.etcd, timeout });
  }
}

/**
 * Refuses a file whose format its name does not give, with what the command can do about it (the library's
 * advice, a format option or an encoder, is not the command's to follow); a directory or a FIFO is that first.
 */
function checkFileFormat(path: string): void {
  if (fileFormat(path)) return;
  const other = otherThanFile(path);
  if (other) throw new ConfigError(`not a regular file (${other})`, { code: 'READ', source: `file:${path}`, path });
  throw unknownExtension(path, `file:${path}`);
}

/** The format a file's name gives (`.env` and `.env.*` files are dotenv), as the file source tells it; undefined if none. */
export function fileFormat(path: string): string | undefined {
  const base = basename(path);
  if (base === '.env' || base.startsWith('.env.')) return 'dotenv';
  return formatName(extname(base).slice(1));
}

/** A file the command cannot decode: the extensions it reads, which are its only way to tell a format. */
export function unknownExtension(path: string, source?: string): ConfigError {
  return new ConfigError(`cannot tell the format of "${path}" from its extension; microconf reads ${FILE_EXTENSIONS.split(' ').slice(0, -1).join(', ')} and ${FILE_EXTENSIONS.split(' ').at(-1)!} files`, {
    code: 'FORMAT',
    source,
    path,
  });
}
