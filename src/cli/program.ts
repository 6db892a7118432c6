import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { createConfig, currentView, type Config } from '../config.ts';
import { ConfigError } from '../errors.ts';
import { parseDuration } from '../reader/convert.ts';
import { createRedactor } from '../reader/secrets.ts';
import { secretbox } from '../secrets/secretbox.ts';
import { damagedArgument } from './arguments.ts';
import { EXIT, type CliIo, type CommandContext } from './commands.ts';
import { printable, printableLines } from './printing.ts';
import { addReadCommands } from './read-commands.ts';
import { addSecretCommands } from './secrets.ts';
import { DEFAULT_STORE_TIMEOUT, FILE_EXTENSIONS, makeSource, parseSources, storeWhere, type StoreSpec } from './sources.ts';
import { addWriteCommands } from './write-commands.ts';

const NOTHING_SECRET = createRedactor();

/** The longest `--timeout` taken (ms): past it, a number is more likely a mistake than a wait anyone means. */
const MAX_STORE_TIMEOUT = 3_600_000;

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
    // The command reads no secret files (no secretsDirSource, no _FILE variables): the help names only what it redacts.
    .option('--reveal', 'show secret values (decrypted ones, --secret paths) instead of [redacted]')
    .option('--json', 'print JSON for scripts')
    .option('--timeout <duration>', `how long a store may take to answer (default ${DEFAULT_STORE_TIMEOUT / 1000}s; 500ms, 1m, up to 1h)`)
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
  const context: CommandContext = {
    io,
    json: () => globals().json === true,
    usage,
    notFound(path) {
      io.err(`no value at ${printable(path)}`);
      code = EXIT.notFound;
    },
    open,
    redactors(config) {
      const view = currentView(config);
      return globals().reveal ? { values: NOTHING_SECRET, changes: NOTHING_SECRET } : { values: view.redactor, changes: view.changeRedactor };
    },
    target() {
      const store = specs().findLast((spec): spec is StoreSpec => spec.kind === 'consul' || spec.kind === 'etcd');
      if (!store) throw usage('put and import need --consul or --etcd');
      // Keys would be written below another prefix than the one typed.
      const damaged = damagedArgument(store.prefix ?? '', 'prefix');
      if (damaged !== undefined) throw usage(damaged);
      return store;
    },
    storeTimeout,
  };
  addReadCommands(program, context);
  addWriteCommands(program, context);
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
