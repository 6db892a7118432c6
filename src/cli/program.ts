import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { createConfig, currentView, type Config } from '../config.ts';
import { ConfigError } from '../errors.ts';
import { explainPath, type Explanation } from '../loader/explain.ts';
import { parseDuration } from '../reader/convert.ts';
import { createRedactor } from '../reader/secrets.ts';
import type { Tree } from '../reader/tree.ts';
import { secretbox } from '../secrets/secretbox.ts';
import { jsonText, printable, printableLines, shownText } from './printing.ts';
import { addSecretCommands } from './secrets.ts';
import { DEFAULT_STORE_TIMEOUT, FILE_EXTENSIONS, makeSource, parseSources, storeWhere, type StoreSpec } from './sources.ts';
import { documentKeys, writeKeys } from './stores.ts';
import { damagedArgument } from './arguments.ts';

/** Where the CLI writes, and how it learns that it should stop watching. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Resolves when the user interrupts (Ctrl-C). */
  interrupted: Promise<void>;
  /** The standard input, read to its end (at most `maxBytes`: a LIMIT error past it). */
  input(maxBytes: number): Promise<Uint8Array>;
  /** True when the output is a terminal: a string value printed whole then has its control characters escaped. */
  terminal?: boolean | undefined;
}

const NOTHING_SECRET = createRedactor();

/** The longest `--timeout` taken (ms): past it, a number is more likely a mistake than a wait anyone means. */
const MAX_STORE_TIMEOUT = 3_600_000;

/** Exit codes. */
export const EXIT = { ok: 0, notFound: 1, usage: 2, source: 3, output: 4 } as const;

/** The package's version, from the package.json above this module (in the sources or in the package). */
function version(): string {
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    try {
      const manifest = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { name?: unknown; version?: unknown };
      if (manifest.name === 'microconf' && typeof manifest.version === 'string') return manifest.version;
    } catch {
      // none here: look further up
    }
    if (dir.pathname === '/') return 'unknown';
  }
}

// One side of a change: absent before a value was added, after it was removed.
const shownChange = (value: Tree | undefined): string => (value === undefined ? '(none)' : jsonText(value));

function describe(leaf: Explanation): string {
  const over = leaf.overridden.map((o) => `${printable(o.source)}: ${jsonText(o.value)}`).join(', ');
  return `${printable(leaf.path || '(root)')} = ${jsonText(leaf.value)}  <- ${printable(leaf.source ?? '(none)')}${over ? `  (over ${over})` : ''}`;
}

/** Runs the `microconf` command; resolves with its exit code. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseSources(argv);
  let code: number = EXIT.ok;
  const program = new Command('microconf')
    .description('Read, explain and watch a layered configuration; write to Consul and etcd.')
    .version(version(), '-V, --version', 'print the version')
    .addOption(new Option('--file <path>', `a config file (${FILE_EXTENSIONS}); repeatable`))
    .addOption(new Option('--env [prefix]', 'the environment, or only its PREFIX_* variables without the prefix; repeatable'))
    .addOption(new Option('--consul <address>', 'Consul KV at host:port or a URL (token from CONSUL_HTTP_TOKEN)'))
    .addOption(new Option('--etcd <hosts>', 'etcd at comma-separated URLs'))
    .addOption(new Option('--prefix <prefix>', 'the key prefix of the --consul or --etcd right before it'))
    .option('--secret <pattern...>', 'paths whose values are shown as [redacted] (database.password, **.token)')
    .option('--key-file <path>', 'keys (made by the keygen command, newest first) that open "enc:…" values; decrypted values are shown as [redacted]')
    .option('--reveal', 'show secret values (decrypted ones, secret files, --secret paths) instead of [redacted]')
    .option('--json', 'print JSON for scripts')
    .option('--timeout <duration>', `how long a store may take to answer (${DEFAULT_STORE_TIMEOUT / 1000}s, 500ms, 1m)`)
    .addHelpText(
      'after',
      `
Sources are layered in the order given: a later one wins (--file a.yaml --env APP --etcd URL --prefix /app).
A store URL may carry a user name and password (http://user:password@127.0.0.1:2379): etcd's authentication,
or HTTP basic authentication for a Consul behind a proxy; they are never printed.
A path is dotted (server.port); "." is the root.
Exit codes: 0 success, 1 no value at the path, 2 bad usage, 3 a source could not be read (missing or invalid
file, unreachable store, a store client not installed, a value that does not decrypt), 4 the output could not be
written (a full disk).
Values at paths matching --secret patterns, and values decrypted with --key-file, are redacted in every output
unless --reveal.

Examples:
  microconf get server.port --file config.yaml --env MICRO
  microconf explain registry --file config.yaml --etcd http://127.0.0.1:2379 --prefix /config/app
  microconf watch --file config.yaml --consul 127.0.0.1:8500 --prefix config/app
  microconf put registry '"etcd"' --etcd http://127.0.0.1:2379 --prefix /config/app
  microconf import config.yaml --consul 127.0.0.1:8500 --prefix config/app
  microconf keygen > secret.key
  printf %s "$DB_PASSWORD" | microconf encrypt --key-file secret.key
  microconf get database.password --file config.yaml --key-file secret.key --reveal`,
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, '')), writeErr: (s) => io.err(printableLines(s.replace(/\n$/, ''))) });

  const globals = () => program.opts<{ secret?: string[]; json?: boolean; keyFile?: string; reveal?: boolean; timeout?: string }>();
  const usage = (message: string) => new CommanderError(EXIT.usage, 'microconf.usage', message);
  /** `--timeout` in ms: a positive Go duration. */
  const storeTimeout = (): number => {
    const given = globals().timeout;
    if (given === undefined) return DEFAULT_STORE_TIMEOUT;
    const ms = parseDuration(given);
    if (ms === undefined || !(ms > 0) || ms > MAX_STORE_TIMEOUT) throw usage('--timeout takes a duration such as 3s, 500ms or 1m, up to 1h');
    return ms;
  };
  const specs = () => {
    if (parsed.problem !== undefined) throw usage(parsed.problem);
    return parsed.specs;
  };
  /**
   * Where each store source reads, by source name: a failure the loader reports (a read timeout) names the source
   * only. Two stores under one name (the same prefix) are undefined: neither address may be the one that failed.
   */
  const stores = new Map<string, { where: string; address: string } | undefined>();
  const open = async (): Promise<Config> => {
    const sources = specs();
    if (sources.length === 0) throw usage('no source given: use --file, --env, --consul or --etcd');
    const { secret, keyFile } = globals();
    const timeout = storeTimeout();
    const made = sources.map((spec) => {
      const source = makeSource(spec, timeout);
      if (spec.kind === 'consul' || spec.kind === 'etcd') {
        stores.set(source.name, stores.has(source.name) ? undefined : { where: storeWhere(spec), address: spec.address });
      }
      return source;
    });
    // The config's own bound on a read stays behind the stores' (10 s by default, against their 3 s).
    const readTimeout = Math.max(10_000, timeout + 1000);
    return createConfig({ sources: made, secret, readTimeout, decrypt: keyFile === undefined ? undefined : secretbox({ keyFile }) });
  };
  /** What values print as: the config's own secrets redacted, unless --reveal. */
  const redactors = (config: Config) => {
    const view = currentView(config);
    return globals().reveal ? { values: NOTHING_SECRET, changes: NOTHING_SECRET } : { values: view.redactor, changes: view.changeRedactor };
  };
  const target = (): StoreSpec => {
    const store = specs().findLast((spec): spec is StoreSpec => spec.kind === 'consul' || spec.kind === 'etcd');
    if (!store) throw usage('put and import need --consul or --etcd');
    // Keys would be written below another prefix than the one typed.
    const damaged = damagedArgument(store.prefix ?? '', 'prefix');
    if (damaged !== undefined) throw usage(damaged);
    return store;
  };
  /** What a write says it did: the keys, and the store without its credentials. */
  const wrote = (store: StoreSpec, keys: readonly string[]) =>
    io.out(
      globals().json
        ? jsonText({ written: keys.length, keys })
        : `wrote ${keys.length === 1 ? printable(keys[0]!) : `${keys.length} keys`} to ${storeWhere(store)}`,
    );

  program
    .command('get <path>')
    .description('print the value at a dotted path')
    .action(async (path: string) => {
      if (!path) throw usage('the path is empty; "." is the root');
      const config = await open();
      try {
        const segments = path === '.' ? [] : path.split('.');
        const value = config.get(segments).raw();
        if (value === undefined) {
          io.err(`no value at ${printable(path)}`);
          code = EXIT.notFound;
          return;
        }
        const shown = redactors(config).values.redact(value, segments);
        io.out(
          globals().json
            ? jsonText(shown)
            : typeof shown === 'string'
              ? shownText(shown, io.terminal === true)
              : jsonText(shown, typeof shown === 'object' && shown !== null ? 2 : undefined),
        );
      } finally {
        await config.close();
      }
    });

  program
    .command('explain <path>')
    .description('print which source gave each value below a path, and what it overrode')
    .action(async (path: string) => {
      if (!path) throw usage('the path is empty; "." is the root');
      const config = await open();
      try {
        const explanation = explainPath(currentView(config), path === '.' ? [] : path.split('.'), redactors(config).values);
        if (explanation.value === undefined) {
          io.err(`no value at ${printable(path)}`);
          code = EXIT.notFound;
          return;
        }
        if (globals().json) io.out(jsonText(explanation));
        else for (const leaf of explanation.leaves ?? [explanation]) io.out(describe(leaf));
      } finally {
        await config.close();
      }
    });

  program
    .command('watch [path]')
    .description('print each change (time, version, path, previous → current, source) until interrupted')
    .action(async (path: string | undefined) => {
      const config = await open();
      const below = path ? path.split('.') : [];
      // A failure that goes on (a file deleted, a store down) is reported once, until the configuration changes.
      const reported = new Set<string>();
      config.on('change', ({ version, changes }) => {
        reported.clear();
        for (const change of changes) {
          // The watched path, anything below it, or an ancestor replaced above it.
          const shorter = Math.min(below.length, change.segments.length);
          if (below.slice(0, shorter).some((segment, i) => change.segments[i] !== segment)) continue;
          const source = config.explain(change.segments).source;
          // The config has just published this change: its view knows the secrets of both its sides.
          const secrets = redactors(config).changes;
          const previous = secrets.redact(change.previous, change.segments);
          const current = secrets.redact(change.current, change.segments);
          const time = new Date().toISOString();
          io.out(
            globals().json
              ? jsonText({ time, version, path: change.path, previous, current, source: source ?? '(removed)' })
              : `${time} v${version} ${printable(change.path)}: ${shownChange(previous)} -> ${shownChange(current)}${source === undefined ? '' : `  (${printable(source)})`}`,
          );
        }
      });
      config.on('error', (error) => {
        if (reported.has(error.message)) return;
        reported.add(error.message);
        io.err(`error: ${printable(error.message)}`);
      });
      io.out(globals().json ? jsonText({ watching: path ?? '', version: config.snapshot().version }) : `watching ${path === undefined ? '(everything)' : printable(path)} from version ${config.snapshot().version}`);
      await io.interrupted;
      await config.close();
    });

  program
    .command('put <key> <value>')
    .description('write one key below the prefix of --consul or --etcd (the value as written: JSON, YAML or text)')
    .action(async (key: string, value: string) => {
      const damaged = damagedArgument(key, 'key') ?? damagedArgument(value, 'value');
      if (damaged !== undefined) throw usage(damaged);
      const store = target();
      wrote(store, await writeKeys(store, [[key, value]], storeTimeout()));
    });

  program
    .command('import <file>')
    .description('write every leaf of a JSON, YAML or TOML document as keys below the prefix of --consul or --etcd')
    .action(async (file: string) => {
      const store = target();
      const entries = await documentKeys(file);
      wrote(store, await writeKeys(store, entries, storeTimeout()));
    });

  addSecretCommands(program, {
    out: io.out,
    input: io.input,
    keyFile: () => globals().keyFile,
    json: () => globals().json === true,
    terminal: io.terminal === true,
    usage,
  });

  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help or the version asked for (0); help shown on stderr for a missing command, or bad usage (2).
      if (error.exitCode === 0 && error.code !== 'microconf.usage') return EXIT.ok;
      if (error.code.startsWith('microconf.')) io.err(`microconf: ${error.message}`);
      return EXIT.usage;
    }
    if (error instanceof ConfigError) {
      const store = error.source === undefined ? undefined : stores.get(error.source);
      io.err(`microconf: ${printable(error.message)}${store && !error.message.includes(store.address) ? ` (${store.where})` : ''}`);
      return EXIT.source;
    }
    io.err(`microconf: ${printable((error as Error).message)}`);
    return EXIT.source;
  }
  return code;
}
