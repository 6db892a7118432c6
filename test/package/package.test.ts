// The package as users get it: packed, installed into an empty project outside the repository with production
// dependencies only, then used from ESM, CommonJS, TypeScript and the command line. Run by `npm run test:package`
// (and by CI); it needs the npm registry for the dependencies.
import { execFile, type ExecFileException } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const tsc = join(repo, 'node_modules/.bin/tsc');
/** A file/env-only consumer's node_modules must stay under this. */
const BUDGET = 5 * 1024 * 1024;

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}, input?: string): Promise<Ran> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as ExecFileException).code ?? 1) : 0, stdout, stderr });
    });
    // A child that exits without reading its stdin (most of them) closes the pipe first: EPIPE is not a failure here.
    child.stdin?.on('error', () => {});
    child.stdin?.end(input ?? '');
  });
}

async function sizeOf(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(path)) total += await sizeOf(join(path, entry));
  return total;
}

let scratch: string;
let consumer: string;
let manifest: { version: string };
let packed: { filename: string; size: number; unpackedSize: number; files: { path: string }[] };
let install: Ran;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'microconf-package-'));
  consumer = join(scratch, 'consumer');
  manifest = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as typeof manifest;
  const pack = await run('npm', ['pack', '--json', '--pack-destination', scratch], repo);
  if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
  packed = (JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as (typeof packed)[])[0]!;
  await run('mkdir', ['-p', consumer], scratch);
  await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }));
  install = await run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', join(scratch, packed.filename)], consumer);
  if (install.code !== 0) throw new Error(`npm install of the tarball failed:\n${install.stderr}`);
  await writeFile(join(consumer, 'config.yaml'), 'server:\n  port: 80\n  host: 0.0.0.0\nregistry: mdns\n');
  console.log(
    `tarball ${packed.filename}: ${(packed.size / 1024).toFixed(1)} kB packed, ${(packed.unpackedSize / 1024).toFixed(1)} kB unpacked, ` +
      `${packed.files.length} files; node_modules of a file/env-only consumer: ${((await sizeOf(join(consumer, 'node_modules'))) / 1024 / 1024).toFixed(2)} MiB`,
  );
}, 600_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('the tarball', () => {
  it('holds the bundle, its types, README, LICENSE and CHANGELOG, and nothing else', () => {
    const files = packed.files.map((file) => file.path).sort();
    expect(files).toEqual([
      'CHANGELOG.md',
      'LICENSE',
      'README.md',
      'dist/cli.cjs',
      'dist/decode-worker.cjs',
      'dist/index.cjs',
      'dist/index.d.cts',
      'dist/index.d.ts',
      'dist/index.mjs',
      'dist/microconf-cli.cjs',
      'dist/microconf-service.cjs',
      'dist/microconf.cjs',
      'dist/secrets.cjs',
      'dist/secrets.d.cts',
      'dist/secrets.d.ts',
      'dist/secrets.mjs',
      'dist/service.cjs',
      'dist/service.d.cts',
      'dist/service.d.ts',
      'dist/service.mjs',
      'package.json',
    ]);
  });

  it('installs with production dependencies only, no store client and no install script', async () => {
    expect(install.stderr).not.toMatch(/install-scripts|deprecated/);
    const installed = await readdir(join(consumer, 'node_modules'));
    for (const absent of ['etcd3', 'consul', '@grpc', 'protobufjs', 'typescript', 'tsx']) expect(installed).not.toContain(absent);
    expect(installed).toContain('commander');
  });

  it(`keeps a file/env-only consumer's node_modules under ${BUDGET / 1024 / 1024} MB`, async () => {
    expect(await sizeOf(join(consumer, 'node_modules'))).toBeLessThan(BUDGET);
  });
});

describe('the library', () => {
  const env = { APP_SERVER_PORT: '8080' };
  const program = (load: string) => `
${load}
async function main() {
  const { createConfig, fileSource, envSource, ConfigError } = microconf;
  const config = await createConfig({ sources: [fileSource('config.yaml'), envSource({ strippedPrefix: 'APP' })] });
  const explained = config.explain('server.port');
  console.log(config.get('server.port').int(0), config.get('server.host').string(''), explained.source, typeof service.createService, ConfigError.name);
  await config.close();
}
main().catch((error) => { console.error(error); process.exit(1); });
`;

  it('is imported from ESM, one instance with require', async () => {
    await writeFile(
      join(consumer, 'main.mjs'),
      program(`import * as microconf from 'microconf';
import * as service from 'microconf/service';
import { secretbox, generateKey } from 'microconf/secrets';
import { createRequire } from 'node:module';
if (typeof secretbox({ key: generateKey() }).decrypt !== 'function') throw new Error('no secretbox');
const required = createRequire(import.meta.url)('microconf');
if (required.ConfigError !== microconf.ConfigError || required.createConfig !== microconf.createConfig) throw new Error('two instances');`),
    );
    expect(await run(process.execPath, ['main.mjs'], consumer, env)).toEqual({ code: 0, stdout: '8080 0.0.0.0 env:APP_SERVER_PORT function ConfigError\n', stderr: '' });
  });

  // A document this large is decoded on a thread, whose entry the package ships beside the bundle.
  it('decodes a large document on its thread, from ESM and CommonJS, and exits by itself', async () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `key${i}: value number ${i}`).join('\n');
    await writeFile(join(consumer, 'large.yaml'), `${keys}\nserver:\n  port: 80\n`);
    const read = `const config = await microconf.createConfig({ sources: [microconf.fileSource('large.yaml')] });
console.log(config.get('server.port').int(0), config.get('key19999').string(''));
await config.close();`;
    await writeFile(join(consumer, 'large.mjs'), `import * as microconf from 'microconf';\n${read}\n`);
    await writeFile(join(consumer, 'large.cjs'), `const microconf = require('microconf');\n(async () => {\n${read}\n})();\n`);
    for (const file of ['large.mjs', 'large.cjs']) {
      expect(await run(process.execPath, [file], consumer)).toEqual({ code: 0, stdout: '80 value number 19999\n', stderr: '' });
    }
  });

  it('is required from CommonJS', async () => {
    await writeFile(join(consumer, 'main.cjs'), program(`const microconf = require('microconf');\nconst service = require('microconf/service');\nrequire('microconf/secrets').generateKey();`));
    expect(await run(process.execPath, ['main.cjs'], consumer, env)).toEqual({ code: 0, stdout: '8080 0.0.0.0 env:APP_SERVER_PORT function ConfigError\n', stderr: '' });
  });

  // What only some programs use loads when they first use it: importing the root runs neither the service runtime
  // nor the command, and loads no parser, store client, cipher, emitter or thread.
  it('imports the root without the modules only some programs use, from ESM and CommonJS', async () => {
    const report = `const { createRequire } = await import('node:module');
const loaded = Object.keys(createRequire(process.cwd() + '/').cache).filter((file) => file.includes('/node_modules/')).map((file) => file.slice(file.lastIndexOf('/node_modules/') + 14));
const builtins = process.moduleLoadList.filter((name) => name.startsWith('NativeModule ')).map((name) => name.slice(13));
console.log(JSON.stringify({ loaded, builtins }));`;
    await writeFile(join(consumer, 'lean.mjs'), `import 'microconf';\n${report}\n`);
    await writeFile(join(consumer, 'lean.cjs'), `require('microconf');\n(async () => {\n${report}\n})();\n`);
    for (const file of ['lean.mjs', 'lean.cjs']) {
      const ran = await run(process.execPath, [file], consumer);
      expect(ran).toMatchObject({ code: 0, stderr: '' });
      const { loaded, builtins } = JSON.parse(ran.stdout) as { loaded: string[]; builtins: string[] };
      expect(loaded.sort()).toEqual(['microconf/dist/index.cjs', 'microconf/dist/microconf.cjs']);
      expect(builtins.filter((name) => ['crypto', 'http', 'https', 'net', 'worker_threads'].includes(name))).toEqual([]);
    }
  });

  it('names the package to install when a store source or registry is used without it', async () => {
    await writeFile(
      join(consumer, 'stores.mjs'),
      `import { createConfig, etcdSource, consulSource, ConfigError } from 'microconf';
import { createService } from 'microconf/service';
for (const source of [etcdSource(), consulSource()]) {
  const error = await createConfig({ sources: [source] }).then(() => undefined, (error) => error);
  console.log(error instanceof ConfigError, error.code, error.message);
}
for (const registry of ['etcd', 'consul']) {
  const config = await createConfig({ defaults: { registry, server: { address: '127.0.0.1:0' } } });
  const service = createService({ name: 'popular', config });
  const error = await service.start().then(() => undefined, (error) => error);
  await service.stop();
  console.log(error instanceof ConfigError, error.code, error.message);
}
`,
    );
    expect(await run(process.execPath, ['stores.mjs'], consumer)).toEqual({
      code: 0,
      stdout:
        'true MISSING_PACKAGE etcd:/micro/config: etcdSource needs the package "etcd3", which is not installed: run npm install etcd3\n' +
        'true MISSING_PACKAGE consul:micro/config: consulSource needs the package "consul", which is not installed: run npm install consul\n' +
        'true MISSING_PACKAGE the etcd registry needs the package "etcd3", which is not installed: run npm install etcd3\n' +
        'true MISSING_PACKAGE the Consul registry needs the package "consul", which is not installed: run npm install consul\n',
      stderr: '',
    });
  });

  it('reports a missing package of an optional store source once, and does not follow the source', async () => {
    await writeFile(
      join(consumer, 'optional.mjs'),
      `import { createConfig, etcdSource } from 'microconf';
const source = etcdSource({ optional: true });
const watch = source.watch;
let watched = false;
source.watch = function (...args) {
  watched = true;
  return watch.apply(this, args);
};
const config = await createConfig({ defaults: { a: 1 }, sources: [source] });
const errors = [];
config.on('error', (error) => errors.push(error.code));
await new Promise((resolve) => setImmediate(resolve));
await config.close();
console.log(config.get('a').int(0), JSON.stringify(errors), watched);
`,
    );
    // Its watch loaded the missing package again and reported MISSING_PACKAGE a second time (and retried forever).
    expect(await run(process.execPath, ['optional.mjs'], consumer)).toEqual({ code: 0, stdout: '1 ["MISSING_PACKAGE"] false\n', stderr: '' });
  });
});

describe('the types', () => {
  const use = `
import { createConfig, fileSource, envSource, flagsSource, memorySource, etcdSource, consulSource, ConfigError, type Config, type Value, type ChangeEvent } from 'microconf';
import { createService, createClient, memoryRegistry, type Service } from 'microconf/service';
import { secretbox, generateKey } from 'microconf/secrets';

export async function start(): Promise<Service> {
  const config: Config = await createConfig({
    defaults: { registry: 'memory' },
    sources: [fileSource('config.yaml'), envSource({ strippedPrefix: 'APP' }), flagsSource({ argv: [] }), memorySource({ a: 1 })],
  });
  const port: number = config.get('server.port').int(8080);
  const value: Value = config.get('server', 'host');
  config.on('change', (event: ChangeEvent) => void event.version);
  config.watch('server').on('change', (next, change) => void [next.string(''), change.path]);
  etcdSource({ hosts: 'https://127.0.0.1:2379', credentials: { rootCertificate: new Uint8Array(0), privateKey: 'pem' } });
  consulSource({ tls: { ca: new Uint8Array(0) } });
  const error: unknown = new ConfigError('x', { code: 'MISSING_PACKAGE' });
  const sealed: Uint8Array = secretbox({ key: generateKey() }).encrypt('s3cret');
  void [port, value.exists(), error, sealed, memoryRegistry(), createClient({ config })];
  return createService({ name: 'popular', config }).handle('Popular', { async ping(request: unknown, context) { return context.signal.aborted ? undefined : request; } });
}
`;
  // Where the consumer's types declare URL (here the DOM library's), a file: URL is taken for a path.
  const urls = `
import { configDirSources, fileSource, secretsDirSource } from 'microconf';

export const sources = [
  fileSource(new URL('./config.yaml', import.meta.url)),
  fileSource({ path: new URL('./local.yaml', import.meta.url), optional: true }),
  secretsDirSource(new URL('./secrets/', import.meta.url)),
  ...configDirSources({ dir: [new URL('./config/', import.meta.url), 'more'] }),
];
`;
  const modes = [
    { name: 'nodenext', options: { module: 'nodenext', moduleResolution: 'nodenext' }, files: ['use.mts', 'use.cts', 'urls.mts'] },
    { name: 'node16', options: { module: 'node16', moduleResolution: 'node16' }, files: ['use.mts', 'use.cts', 'urls.mts'] },
    { name: 'bundler', options: { module: 'esnext', moduleResolution: 'bundler' }, files: ['use.ts', 'urls.mts'] },
    // No DOM library either: the declarations may name no global that only the DOM or @types/node declares.
    { name: 'nodenext-es2022', options: { module: 'nodenext', moduleResolution: 'nodenext', lib: ['es2022'] }, files: ['use.mts', 'use.cts'] },
  ];

  it.each(modes)('check in a strict consumer, skipLibCheck off, without @types/node: $name', async ({ name, options, files }) => {
    for (const file of files) await writeFile(join(consumer, file), file.startsWith('urls') ? urls : use);
    const config = join(consumer, `tsconfig.${name}.json`);
    await writeFile(
      config,
      JSON.stringify({ compilerOptions: { ...options, target: 'es2022', strict: true, skipLibCheck: false, noEmit: true, types: [] }, files }),
    );
    const checked = await run(tsc, ['-p', config], consumer);
    expect(checked.stdout + checked.stderr).toBe('');
    expect(checked.code).toBe(0);
  });
});

describe('the command', () => {
  const env = { APP_SERVER_PORT: '8080' };
  const microconf = (...args: string[]) => run('npx', ['--no-install', 'microconf', ...args], consumer, env);

  it('prints its version', async () => {
    expect(await microconf('--version')).toEqual({ code: 0, stdout: `${manifest.version}\n`, stderr: '' });
  });

  it('gets and explains a value from a file and the environment', async () => {
    expect(await microconf('get', 'server.port', '--file', 'config.yaml', '--env', 'APP')).toEqual({ code: 0, stdout: '8080\n', stderr: '' });
    expect(await microconf('explain', 'server.port', '--file', 'config.yaml', '--env', 'APP')).toEqual({
      code: 0,
      stdout: 'server.port = "8080"  <- env:APP_SERVER_PORT  (over file:config.yaml: 80)\n',
      stderr: '',
    });
  });

  it('exits 1 for no value, 2 for bad usage, 3 for a source that cannot be read', async () => {
    expect(await microconf('get', 'nothing.here', '--file', 'config.yaml')).toEqual({ code: 1, stdout: '', stderr: 'no value at nothing.here\n' });
    expect(await microconf()).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/^Usage: microconf /) });
    expect(await microconf('get', 'a', '--file', 'absent.yaml')).toMatchObject({ code: 3, stderr: expect.stringContaining('absent.yaml') });
    expect(await microconf('get', 'a', '--etcd', 'http://127.0.0.1:1')).toMatchObject({ code: 3, stderr: expect.stringContaining('npm install etcd3') });
  });

  it('encrypts a value that the library, given the key file, reads decrypted', async () => {
    const keygen = await microconf('keygen');
    expect(keygen).toMatchObject({ code: 0, stderr: '' });
    await writeFile(join(consumer, 'secret.key'), keygen.stdout);
    const encrypted = await run('npx', ['--no-install', 'microconf', 'encrypt', '--key-file', 'secret.key'], consumer, env, 'hunter2\n');
    expect(encrypted).toMatchObject({ code: 0, stdout: expect.stringMatching(/^enc:\S+\n$/), stderr: '' });
    await writeFile(join(consumer, 'secret.yaml'), `database:\n  password: ${encrypted.stdout.trim()}\n`);
    expect(await microconf('get', 'database.password', '--file', 'secret.yaml', '--key-file', 'secret.key')).toEqual({ code: 0, stdout: '[redacted]\n', stderr: '' });
    await writeFile(
      join(consumer, 'secret.mjs'),
      `import { createConfig, fileSource } from 'microconf';
import { secretbox } from 'microconf/secrets';
const config = await createConfig({ sources: [fileSource('secret.yaml')], decrypt: secretbox({ keyFile: 'secret.key' }) });
console.log(config.get('database.password').string(''), config.explain('database.password').value);
await config.close();
`,
    );
    expect(await run(process.execPath, ['secret.mjs'], consumer)).toEqual({ code: 0, stdout: 'hunter2 [redacted]\n', stderr: '' });
  });
});
