import type { UrlLike } from '../url-like.ts';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { formatName } from '../encoders/index.ts';
import { checkEncoders } from '../encoders/registry.ts';
import type { Encoders } from '../encoders/user.ts';
import { ConfigError } from '../errors.ts';
import { commandLineValue, customEnvironmentFiles, layoutFiles, layoutFormats, readSettings, unreadFiles } from './config-dir-layout.ts';
import { customEnvironmentSource } from './custom-env.ts';
import { fileSource } from './file.ts';
import { createChangeSet, type Source } from './source.ts';
import { checkOptionNames, checkPath, isUrl, optionNames } from '../option-checks.ts';

/** Options of `configDirSources`; each setting given here wins over the one node-config would read. */
export interface ConfigDirOptions {
  /**
   * The directory, several (an array, or a `path.delimiter` list), each a path or a `file:` URL; default
   * `NODE_CONFIG_DIR`, else `./config`.
   */
  dir?: string | UrlLike | readonly (string | UrlLike)[] | undefined;
  /** The deployment, or several (an array, or a comma list); default `NODE_CONFIG_ENV`, else `NODE_ENV`, else `development`. */
  deployment?: string | readonly string[] | undefined;
  /** The instance (the `-{instance}` files); default `NODE_APP_INSTANCE`. */
  instance?: string | undefined;
  /** The host name; default `HOST`, else `HOSTNAME`, else the system's. */
  hostname?: string | undefined;
  /** The environment the settings, the custom variables and `NODE_CONFIG` are read from (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** The arguments `--NODE_CONFIG=` and `--NODE_ENV=`-style settings are read from (default `process.argv.slice(2)`). */
  argv?: readonly string[] | undefined;
  /** Milliseconds each file waits after its last event before it is read (as `fileSource`). */
  debounce?: number | undefined;
  /** Follow the files' changes (default true); `false` reads them at start and on `sync()` only. */
  watch?: boolean | undefined;
  /**
   * Formats of your own for the files (see `Encoder`): each encoder's name and extensions are read too, after the
   * built-in extensions (`default.ini`), and one named after a built-in format decodes its files. A config's
   * `encoders` add no files to the layout: it is laid out when this is called. The
   * `custom-environment-variables.*` mapping is read with the built-in formats only.
   */
  encoders?: Encoders | undefined;
}

const CONFIG_DIR_OPTIONS = optionNames<ConfigDirOptions>()('dir', 'deployment', 'instance', 'hostname', 'env', 'argv', 'debounce', 'watch', 'encoders');

/**
 * The sources of a node-config directory, lowest first, every file watched (including those not there yet):
 * `default`, `{deployment}`, `{short hostname}`, `{short hostname}-{deployment}`, `{full hostname}` and
 * `{full hostname}-{deployment}`, `local`, `local-{deployment}`, each followed by its `-{instance}` variant and
 * read with each extension (`.json .jsonc .json5 .toml .yaml .yml`, in node-config's order, then `.env`); then
 * `$NODE_CONFIG`, `--NODE_CONFIG=`, and `custom-environment-variables.*` above them all, as node-config stacks
 * them. Pass them to `createConfig({ sources })`, or after sources of your own.
 *
 * **Gotchas:** node-config also runs `.js`/`.ts` files and reads `.hjson`, `.cson`, `.properties`, `.xml` and
 * `.coffee`; microconf does neither, and refuses (with a ConfigError naming it) a directory holding such a file
 * that node-config would read, rather than silently giving other values.
 */
export function configDirSources(options: ConfigDirOptions = {}): Source[] {
  options = checkOptionNames(options, CONFIG_DIR_OPTIONS, 'configDirSources');
  const env = options.env ?? process.env;
  const argv = options.argv ?? process.argv.slice(2);
  const settings = readSettings({ ...options, dir: dirPaths(options.dir), env, argv, osHostname: hostname });
  const encoders = checkEncoders(options.encoders, { source: 'configDirSources' });
  const formats = layoutFormats(addedExtensions(encoders));
  const unread = unreadFiles(settings, formats).find((path) => existsSync(path));
  if (unread !== undefined) {
    throw new ConfigError(
      `node-config would read "${unread}", which microconf does not (it runs no configuration code and reads json, json5, yaml, toml and .env); convert it to one of those`,
      { code: 'FORMAT', path: unread },
    );
  }
  const { debounce, watch } = options;
  return [
    ...layoutFiles(settings, formats).map(({ path, format }) => fileSource({ path, format, optional: true, debounce, watch, encoders })),
    jsonSource('env:NODE_CONFIG', env.NODE_CONFIG),
    jsonSource('flags:--NODE_CONFIG', commandLineValue(argv, 'NODE_CONFIG')),
    ...customEnvironmentFiles(settings).map(({ path, format }) => customEnvironmentSource({ path, format, env, debounce, watch })),
  ];
}

/**
 * A JSON document held in a setting (`NODE_CONFIG`); unset or empty is an empty layer. Like every environment and
 * flag value, it is literal: `${VAR}` in it is not expanded.
 */
/** The directories given in code as paths: a URL's path, each checked as a path. */
function dirPaths(dir: ConfigDirOptions['dir']): string | readonly string[] | undefined {
  if (dir === undefined || typeof dir === 'string') return dir;
  if (isUrl(dir)) return checkPath(dir, 'configDirSources');
  // Strings as node-config takes them (an empty one skipped); anything else must be a path.
  return Array.isArray(dir) ? dir.map((each: unknown) => (typeof each === 'string' ? each : checkPath(each, 'configDirSources'))) : checkPath(dir, 'configDirSources');
}

function jsonSource(name: string, text: string | undefined): Source {
  return {
    name,
    read: async () => (text ? createChangeSet(name, 'json', text, Date.now(), undefined, false) : createChangeSet(name, 'object', {})),
  };
}

/** The extensions encoders add, with the format each names: every name but a built-in format's, and every extension. */
function addedExtensions(encoders: Encoders | undefined): [extension: string, format: string][] {
  const added: [string, string][] = [];
  if (encoders === undefined) return added;
  for (const name of Object.keys(encoders)) {
    if (formatName(name) === undefined) added.push([name, name]);
    for (const extension of encoders[name]!.extensions ?? []) added.push([extension, name]);
  }
  return added;
}
