import { delimiter, join } from 'node:path';

/** What decides which files of a node-config directory are read, and in which order. */
export interface ConfigDirSettings {
  /** The directories, in order; a file in a later one wins over the same file in an earlier one. */
  readonly dirs: readonly string[];
  /** The deployments (`NODE_CONFIG_ENV`, else `NODE_ENV`, split on `,`), in order. */
  readonly deployments: readonly string[];
  /** The host's name, full (`api-1.example.com`); empty when unknown. */
  readonly hostname: string;
  /** The application instance (`NODE_APP_INSTANCE`), if any. */
  readonly instance: string | undefined;
}

/** Where the settings are read from when not given: node-config reads `--NAME=value` first, then the environment. */
export interface SettingsInput {
  /** The directory (or directories, or a `path.delimiter` list) given in code. */
  readonly dir?: string | readonly string[] | undefined;
  /** The deployment (or deployments, or a comma list) given in code. */
  readonly deployment?: string | readonly string[] | undefined;
  /** The host name given in code. */
  readonly hostname?: string | undefined;
  /** The instance given in code. */
  readonly instance?: string | undefined;
  /** The environment. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The command line's arguments. */
  readonly argv: readonly string[];
  /** The operating system's host name, used when neither `HOST` nor `HOSTNAME` is set. */
  readonly osHostname: () => string;
}

/**
 * The extensions read, in node-config's order (a later one wins over an earlier one of the same name), with the
 * format each is decoded in. node-config reads `.json` with a JSON5 parser, so comments in a `.json` file work
 * there: they work here too. `.env` (dotenv), which node-config does not read, comes last.
 */
export const LAYOUT_FORMATS: ReadonlyArray<readonly [extension: string, format: string]> = Object.freeze([
  ['json', 'json5'],
  ['jsonc', 'json5'],
  ['json5', 'json5'],
  ['toml', 'toml'],
  ['yaml', 'yaml'],
  ['yml', 'yaml'],
  ['env', 'dotenv'],
]);

/**
 * The extensions read when encoders of the user's add some (`[extension, format]`, in the order given): the
 * built-in ones first, in their order, then those, each once. An extension already read keeps its place and format.
 */
export function layoutFormats(added: ReadonlyArray<readonly [extension: string, format: string]>): typeof LAYOUT_FORMATS {
  const formats = [...LAYOUT_FORMATS];
  for (const [extension, format] of added) if (!formats.some(([known]) => known === extension)) formats.push([extension, format]);
  return Object.freeze(formats);
}

/** Extensions node-config reads that microconf does not: code it would run, and formats it has no decoder for. */
export const UNREAD_EXTENSIONS: readonly string[] = Object.freeze(['js', 'cjs', 'mjs', 'ts', 'hjson', 'coffee', 'cson', 'properties', 'xml']);

/** A setting as node-config finds it: `--NAME=value` on the command line, else the environment; empty is unset. */
export function setting(input: Pick<SettingsInput, 'env' | 'argv'>, name: string): string | undefined {
  return commandLineValue(input.argv, name) || (Object.hasOwn(input.env, name) ? input.env[name] : undefined) || undefined;
}

/** The value of the first `--NAME=value` argument (case-sensitive, as node-config reads it), if any. */
export function commandLineValue(argv: readonly string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  for (const arg of argv) if (arg.startsWith(prefix)) return arg.slice(prefix.length);
  return undefined;
}

/** The settings: each given in code wins; otherwise read as node-config reads it. */
export function readSettings(input: SettingsInput): ConfigDirSettings {
  const dir = input.dir ?? setting(input, 'NODE_CONFIG_DIR') ?? './config';
  const dirs = (typeof dir === 'string' ? dir.split(delimiter) : [...dir]).filter((each) => each !== '');
  const deployment = input.deployment ?? setting(input, 'NODE_CONFIG_ENV') ?? setting(input, 'NODE_ENV') ?? 'development';
  const deployments = (typeof deployment === 'string' ? deployment.split(',') : [...deployment]).filter((each) => each !== '');
  let hostname = input.hostname ?? setting(input, 'HOST') ?? setting(input, 'HOSTNAME');
  if (hostname === undefined) {
    try {
      hostname = input.osHostname();
    } catch {
      hostname = '';
    }
  }
  return { dirs, deployments, hostname, instance: input.instance ?? setting(input, 'NODE_APP_INSTANCE') };
}

/**
 * The base names of the files, lowest first: `default`, each deployment, the short host name and its deployment
 * variants (and the full host name's, when it differs), `local` and its deployment variants. A name listed twice
 * takes its later place, as in node-config (with two deployments, `local` comes after `local-{first}`).
 */
export function baseNames(settings: ConfigDirSettings): string[] {
  const names = ['default', ...settings.deployments];
  if (settings.hostname !== '') {
    const short = settings.hostname.split('.')[0]!;
    for (const deployment of settings.deployments) {
      names.push(short, `${short}-${deployment}`);
      if (settings.hostname !== short) names.push(settings.hostname, `${settings.hostname}-${deployment}`);
    }
  }
  for (const deployment of settings.deployments) names.push('local', `local-${deployment}`);
  return names;
}

/** One file a layout reads, in its place. */
export interface LayoutFile {
  /** The file's path: a directory joined with the name. */
  readonly path: string;
  /** The format it is decoded in. */
  readonly format: string;
}

/**
 * Every file the layout reads, lowest first: each name (and its `-{instance}` variant) with each extension, and
 * the same file of every directory together, in the directories' order.
 */
export function layoutFiles(settings: ConfigDirSettings, formats: typeof LAYOUT_FORMATS = LAYOUT_FORMATS): LayoutFile[] {
  const names: string[] = [];
  for (const base of baseNames(settings)) {
    const variants = settings.instance ? [base, `${base}-${settings.instance}`] : [base];
    for (const variant of variants) for (const [extension] of formats) names.push(`${variant}.${extension}`);
  }
  const format = new Map(formats.map(([extension, each]) => [extension, each]));
  return lastPlaces(names).flatMap((name) =>
    settings.dirs.map((dir) => ({ path: join(dir, name), format: format.get(name.slice(name.lastIndexOf('.') + 1))! })),
  );
}

/** The custom environment variable files, lowest first (every directory's, each extension). */
export function customEnvironmentFiles(settings: ConfigDirSettings, formats: typeof LAYOUT_FORMATS = LAYOUT_FORMATS): LayoutFile[] {
  return formats.flatMap(([extension, format]) =>
    settings.dirs.map((dir) => ({ path: join(dir, `custom-environment-variables.${extension}`), format })),
  );
}

/** The names of files node-config would read that microconf does not decode (given the `formats` read), as they would be looked for. */
export function unreadFiles(settings: ConfigDirSettings, formats: typeof LAYOUT_FORMATS = LAYOUT_FORMATS): string[] {
  const unread = UNREAD_EXTENSIONS.filter((extension) => !formats.some(([read]) => read === extension));
  const names: string[] = [];
  for (const base of baseNames(settings)) {
    const variants = settings.instance ? [base, `${base}-${settings.instance}`] : [base];
    for (const variant of variants) for (const extension of unread) names.push(`${variant}.${extension}`);
  }
  for (const extension of unread) names.push(`custom-environment-variables.${extension}`);
  return lastPlaces(names).flatMap((name) => settings.dirs.map((dir) => join(dir, name)));
}

/** Keeps each name once, at its last place. */
function lastPlaces(names: readonly string[]): string[] {
  const last = new Map<string, number>();
  names.forEach((name, index) => last.set(name, index));
  return names.filter((name, index) => last.get(name) === index);
}
