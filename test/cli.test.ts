// The `microconf` command, run as a child process against real files, a real etcd and the Consul KV emulator.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Etcd3 } from 'etcd3';
import { describe, expect, it } from 'vitest';
import { startConsulEmulator } from './consul-emulator.ts';
import { startChild } from './helpers/children.ts';
import { startEtcd } from './helpers/etcd.ts';
import { settle } from './helpers/events.ts';
import { tempDir } from './helpers/files.ts';
import { childEnv, NODE_ARGS, runScript } from './helpers/process.ts';
import { useBackends } from './helpers/backends.ts';

const cli = fileURLToPath(new URL('../src/cli/bin.ts', import.meta.url));
const microconf = (args: string[], env: NodeJS.ProcessEnv = process.env) => runScript(cli, { args, env, timeout: 60_000 });
/** For a store that is up: a new process's first read may take longer than the default 3 s on a loaded machine. */
const PATIENT = ['--timeout', '30s'];
const backends = useBackends();
// Every test runs the command in child processes, several in a row: a safety net for a busy machine.
const CHILDREN = 120_000;
const { hasEtcd } = backends;

async function files() {
  const dir = await tempDir();
  const base = join(dir, 'base.yaml');
  const local = join(dir, 'local.json');
  await writeFile(base, 'server:\n  port: 8080\n  host: 0.0.0.0\ndatabase:\n  password: base-s3cret\nregistry: mdns\n');
  await writeFile(local, '{"server":{"port":9090}}');
  return { dir, base, local };
}

describe('microconf get and explain', { timeout: CHILDREN }, () => {
  it('reads layered sources in the order given', async () => {
    const { base, local } = await files();
    const env = { ...process.env, APP_REGISTRY: 'etcd' };
    expect(await microconf(['get', 'server.port', '--file', base, '--file', local])).toMatchObject({ stdout: '9090\n', code: 0 });
    expect(await microconf(['get', 'server.port', '--file', local, '--file', base])).toMatchObject({ stdout: '8080\n', code: 0 });
    expect(await microconf(['get', 'registry', '--file', base, '--env', 'APP'], env)).toMatchObject({ stdout: 'etcd\n', code: 0 });
    const json = await microconf(['get', 'server', '--json', '--file', base, '--file', local]);
    expect(JSON.parse(json.stdout)).toEqual({ port: 9090, host: '0.0.0.0' });
  });

  it('explains each leaf with its precise source', async () => {
    const { base, local } = await files();
    const { stdout, code } = await microconf(['explain', 'server', '--file', base, '--file', local, '--env', 'APP'], {
      ...process.env,
      APP_SERVER_HOST: '127.0.0.1',
    });
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toEqual([
      `server.port = 9090  <- file:${local}  (over file:${base}: 8080)`,
      `server.host = "127.0.0.1"  <- env:APP_SERVER_HOST  (over file:${base}: "0.0.0.0")`,
    ]);
  });

  it('prints a key holding control characters escaped: it cannot forge a line nor reach the terminal', async () => {
    const { dir } = await files();
    const file = join(dir, 'keys.json');
    const forged = 'x\nv9 database.password: "a" -> "b"  (file:vault.json)';
    await writeFile(file, JSON.stringify({ [forged]: 2, '\u001b]0;title\u0007t': 3 }));
    const { stdout, code } = await microconf(['explain', '.', '--file', file]);
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toEqual([
      `x\\u000av9 database.password: "a" -> "b"  (file:vault.json) = 2  <- file:${file}`,
      `\\u001b]0;title\\u0007t = 3  <- file:${file}`,
    ]);
  });

  it.runIf(existsSync('/dev/full'))('fails, exit 4, when its output cannot be written (a full disk)', async () => {
    const { base } = await files();
    const full = openSync('/dev/full', 'w');
    try {
      const child = spawn(process.execPath, [...NODE_ARGS, cli, 'get', 'server.port', '--file', base], {
        env: childEnv(),
        stdio: ['ignore', full, 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      // Exit 0 with nothing written before: the write's error was still to be told when the command exited.
      expect({ code, stderr }).toEqual({ code: 4, stderr: 'microconf: cannot write the output (ENOSPC)\n' });
    } finally {
      closeSync(full);
    }
  });

  it('exits with clear codes and messages', async () => {
    const { dir, base } = await files();
    const missing = await microconf(['get', 'nope.here', '--file', base]);
    expect(missing).toMatchObject({ code: 1, stderr: 'no value at nope.here\n' });
    // An empty path is bad usage, not a path with no value.
    for (const command of ['get', 'explain']) {
      const empty = await microconf([command, '', '--file', base]);
      expect(empty).toMatchObject({ code: 2, stderr: 'microconf: the path is empty; "." is the root\n' });
    }
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'a: 1\nb: [1,\n');
    const invalid = await microconf(['get', 'a', '--file', bad]);
    expect(invalid.code).toBe(3);
    expect(invalid.stderr).toContain(`file:${bad}: invalid yaml`);
    expect(invalid.stderr).toMatch(/line 2, column 4/); // the bracket never closed
    const absent = await microconf(['get', 'a', '--file', join(dir, 'absent.json')]);
    expect(absent).toMatchObject({ code: 3, stderr: expect.stringContaining('file not found') });
    const unreachable = await microconf(['get', 'a', '--consul', '127.0.0.1:1', '--prefix', 'x']);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain('http://127.0.0.1:1');
    expect(await microconf(['get', 'a'])).toMatchObject({ code: 2, stderr: expect.stringContaining('no source given') });
    expect((await microconf(['frobnicate'])).code).toBe(2);
    const help = await microconf(['--help']);
    expect(help.code).toBe(0);
    for (const word of ['get <path>', 'explain <path>', 'watch [path]', 'put <key> <value>', 'import <file>', '--file', '--env', '--consul', '--etcd', '--prefix', '--json', 'Exit codes']) {
      expect(help.stdout).toContain(word);
    }
  });
});

describe('microconf usage', { timeout: CHILDREN }, () => {
  it('prints its version', async () => {
    const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await microconf(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('takes no arguments as bad usage, with the help on stderr', async () => {
    const none = await microconf([]);
    expect(none).toMatchObject({ code: 2, stdout: '' });
    expect(none.stderr).toMatch(/^Usage: microconf /);
    expect(none.stderr).toContain('Exit codes');
  });

  it('says which extensions it reads for a file whose format it cannot tell, not the library\'s options', async () => {
    const { dir } = await files();
    const known = 'microconf reads .json, .json5, .jsonc, .yaml, .yml, .toml and .env files';
    for (const name of ['app.conf', 'app']) {
      const path = join(dir, name);
      await writeFile(path, 'a=1\n');
      // Before: '…; pass the format option, or register an encoder for the extension (encoders)'.
      expect(await microconf(['get', 'a', '--file', path])).toEqual({
        code: 3,
        stdout: '',
        stderr: `microconf: file:${path}: cannot tell the format of "${path}" from its extension; ${known}\n`,
      });
    }
    expect(await microconf(['get', 'a', '--file', dir])).toEqual({ code: 3, stdout: '', stderr: `microconf: file:${dir}: not a regular file (a directory)\n` });
    const conf = join(dir, 'app.conf');
    expect(await microconf(['import', conf, '--consul', '127.0.0.1:1'])).toEqual({
      code: 3,
      stdout: '',
      stderr: `microconf: cannot tell the format of "${conf}" from its extension; ${known}\n`,
    });
  });

  it('refuses a --prefix before or without its store, before reading anything', async () => {
    const { base } = await files();
    for (const args of [
      ['get', 'server', '--prefix', '/app', '--file', base],
      ['get', 'server', '--prefix', '/app', '--etcd', 'http://127.0.0.1:1'],
      ['put', 'a', '1', '--consul', '127.0.0.1:1', '--file', base, '--prefix', 'app'],
    ]) {
      expect(await microconf(args)).toEqual({ code: 2, stdout: '', stderr: 'microconf: --prefix must follow the --consul or --etcd it belongs to\n' });
    }
  });
});

describe('microconf put and import', { timeout: CHILDREN }, () => {
  it('says in a word why a store it writes to cannot be reached (not the raw text of its client)', async () => {
    const { base } = await files();
    // etcd's client said "14 UNAVAILABLE: No connection established. Last error: … Resolution note: ".
    for (const [args, where] of [
      [['put', 'a', '1', '--etcd', 'http://127.0.0.1:1'], 'etcd at http://127.0.0.1:1'],
      [['import', base, '--etcd', 'http://127.0.0.1:1'], 'etcd at http://127.0.0.1:1'],
      [['put', 'a', '1', '--consul', '127.0.0.1:1'], 'Consul at 127.0.0.1:1'],
    ] as const) {
      expect(await microconf([...args])).toEqual({ code: 3, stdout: '', stderr: `microconf: cannot write to ${where}: ECONNREFUSED\n` });
    }
  });

  it('writes to Consul and reads it back', async () => {
    const { base } = await files();
    const address = backends.emulator().address;
    const store = ['--consul', address, '--prefix', 'cli/app', ...PATIENT];
    expect(await microconf(['import', base, ...store])).toMatchObject({ code: 0, stdout: `wrote 4 keys to Consul at ${address}\n` });
    expect(await microconf(['put', 'registry', '"consul"', ...store])).toMatchObject({ code: 0, stdout: `wrote cli/app/registry to Consul at ${address}\n` });
    expect(JSON.parse((await microconf(['put', 'feature', 'true', '--json', ...store])).stdout)).toEqual({ written: 1, keys: ['cli/app/feature'] });
    const back = await microconf(['get', '.', '--json', ...store]);
    expect(JSON.parse(back.stdout)).toEqual({ server: { port: 8080, host: '0.0.0.0' }, database: { password: 'base-s3cret' }, registry: 'consul', feature: true });
  });

  it('says that a file to import is a directory or a device, not that its format is unknown', async () => {
    const { dir } = await files();
    for (const path of [dir, '/dev/null']) {
      const refused = await microconf(['import', path, '--consul', '127.0.0.1:1']);
      expect(refused).toMatchObject({ code: 3, stdout: '', stderr: expect.stringMatching(/: not a regular file \(a (directory|character device)\)\n$/) });
    }
    // Before, a missing file was only 'cannot read <path>', with no reason.
    const missing = await microconf(['import', join(dir, 'gone.yaml'), '--consul', '127.0.0.1:1']);
    expect(missing).toMatchObject({ code: 3, stdout: '', stderr: expect.stringMatching(/gone\.yaml: file not found\n$/) });
  });

  it('imports keys that cannot be store keys (holding "/", ending in .json) so that they read back as they were', async () => {
    const { dir } = await files();
    const file = join(dir, 'routes.json');
    const document = { routes: { '/': 'home', '/api/v1': 'svc-a' }, server: { port: 8080, 'tls.json': 'on' } };
    await writeFile(file, JSON.stringify(document));
    const store = ['--consul', backends.emulator().address, '--prefix', 'cli-routes/app', ...PATIENT];
    expect((await microconf(['import', file, ...store])).code).toBe(0);
    // Before, `routes//api/v1` lay below `routes//` and no read of the prefix succeeded again.
    const back = await microconf(['get', '.', '--json', ...store]);
    expect({ code: back.code, stderr: back.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(back.stdout)).toEqual(document);
  });

  it('imports a .env file, as --file reads one', async () => {
    const { dir } = await files();
    const file = join(dir, '.env');
    await writeFile(file, 'SERVER_PORT=8080\nREGISTRY=consul\n');
    const store = ['--consul', backends.emulator().address, '--prefix', 'cli-dotenv/app', ...PATIENT];
    // Before, refused: "cannot tell the format of … from its extension".
    expect((await microconf(['import', file, ...store])).code).toBe(0);
    const back = await microconf(['get', '.', '--json', ...store]);
    const read = await microconf(['get', '.', '--json', '--file', file]);
    expect(JSON.parse(back.stdout)).toEqual({ server: { port: '8080' }, registry: 'consul' });
    expect(JSON.parse(back.stdout)).toEqual(JSON.parse(read.stdout));
  });

  it('refuses a put after which the prefix could no longer be read, and writes nothing', async () => {
    const address = backends.emulator().address;
    const store = ['--consul', address, '--prefix', 'cli-put/app', ...PATIENT];
    expect((await microconf(['put', 'server/port', '8080', ...store])).code).toBe(0);
    // A value over a folder: before, written, and every later read of the prefix failed.
    for (const [key, value] of [['server', '9090'], ['server/port/tls', 'true'], ['', '1']] as const) {
      const refused = await microconf(['put', key, value, ...store]);
      expect(refused.code, key).toBe(3);
      expect(refused.stderr).toMatch(new RegExp(`^microconf: Consul at ${address}: nothing written: the prefix could no longer be read \\(key "cli-put/app/`));
    }
    const back = await microconf(['get', '.', '--json', ...store]);
    expect({ code: back.code, value: JSON.parse(back.stdout) as unknown }).toEqual({ code: 0, value: { server: { port: 8080 } } });
  });

  it('says a prefix already unreadable is so, writes nothing, and lets a write through that mends it', async () => {
    const emulator = backends.emulator();
    const store = ['--consul', emulator.address, '--prefix', 'cli-broken/app', ...PATIENT];
    // Broken by another client before the command ran: the write is not what breaks it.
    emulator.put('cli-broken/app/server', '9090');
    emulator.put('cli-broken/app/server/port', '8080');
    const refused = await microconf(['put', 'registry', 'etcd', ...store]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(
      new RegExp(`^microconf: Consul at ${emulator.address}: nothing written: the prefix already cannot be read \\(key "cli-broken/app/server/port" lies below`),
    );
    expect(emulator.list('cli-broken/app/registry')).toEqual([]);
    // A document over a value broken in place: the write replaces the key that broke it, and goes through.
    emulator.put('cli-mend/app/db.json', '{"port": ');
    const mend = ['--consul', emulator.address, '--prefix', 'cli-mend/app', ...PATIENT];
    expect((await microconf(['put', 'registry', 'etcd', ...mend])).stderr).toMatch(/nothing written: the prefix already cannot be read \(key "cli-mend\/app\/db.json"/);
    expect((await microconf(['put', 'db.json', '{"port": 5432}', ...mend])).code).toBe(0);
    const back = await microconf(['get', '.', '--json', ...mend]);
    expect({ code: back.code, value: JSON.parse(back.stdout) as unknown }).toEqual({ code: 0, value: { db: { port: 5432 } } });
  });

  it("names the store's address in a failure whose message names only the source", async () => {
    const emulator = backends.emulator();
    emulator.put('cli-bad/app/db.json', '{"password": "hunter2"');
    const failed = await microconf(['get', 'db', '--consul', emulator.address, '--prefix', 'cli-bad/app']);
    expect(failed).toMatchObject({ code: 3, stdout: '' });
    expect(failed.stderr).toContain(`(Consul at ${emulator.address})`);
    expect(failed.stderr).not.toContain('hunter2');
    // Two stores under one name: the failure cannot say which address it was, so it names none.
    const both = await microconf(['get', 'db', '--consul', '127.0.0.1:1', '--prefix', 'cli-bad/app', '--consul', emulator.address, '--prefix', 'cli-bad/app']);
    expect(both).toMatchObject({ code: 3, stdout: '' });
    expect(both.stderr).not.toContain('(Consul at');
  });

  it('waits for a store as long as --timeout says, and takes only a duration', async () => {
    const { base } = await files();
    const emulator = backends.emulator();
    emulator.fault({ kind: 'hang' });
    try {
      const slow = await microconf(['get', 'a', '--consul', emulator.address, '--prefix', 'slow/app', '--timeout', '200ms']);
      expect(slow).toMatchObject({ code: 3, stdout: '' });
      expect(slow.stderr).toMatch(/timed out \(200ms\)/);
    } finally {
      emulator.fault(undefined);
    }
    for (const given of ['soon', '0s', '-1s', '2h']) {
      expect(await microconf(['get', 'a', '--file', base, '--timeout', given])).toEqual({
        code: 2,
        stdout: '',
        stderr: 'microconf: --timeout takes a duration such as 3s, 500ms or 1m, up to 1h\n',
      });
    }
  });

  it.runIf(hasEtcd)('writes to etcd and reads it back', async () => {
    const { base } = await files();
    const store = ['--etcd', backends.etcd()!.endpoint, '--prefix', '/cli/app', ...PATIENT];
    expect(await microconf(['import', base, ...store])).toMatchObject({ code: 0, stdout: `wrote 4 keys to etcd at ${backends.etcd()!.endpoint}\n` });
    expect(await microconf(['get', 'server.host', ...store])).toMatchObject({ code: 0, stdout: '0.0.0.0\n' });
  });
});

describe('credentials in a store URL', { timeout: CHILDREN }, () => {
  it('sign in to Consul (HTTP basic authentication) and are never printed', async () => {
    const guarded = await startConsulEmulator({ basicAuth: { username: 'ops', password: 'pa55-word' } });
    try {
      const store = ['--consul', `http://ops:pa55-word@${guarded.address}`, '--prefix', 'auth/app', ...PATIENT];
      const put = await microconf(['put', 'registry', '"consul"', ...store]);
      expect(put).toEqual({ code: 0, stdout: `wrote auth/app/registry to Consul at http://${guarded.address}\n`, stderr: '' });
      const get = await microconf(['explain', 'registry', ...store]);
      expect(get).toEqual({ code: 0, stdout: 'registry = "consul"  <- consul:auth/app/registry\n', stderr: '' });
      const wrong = await microconf(['get', 'registry', '--consul', `http://ops:wrong-word@${guarded.address}`, '--prefix', 'auth/app']);
      const none = await microconf(['get', 'registry', '--consul', guarded.address, '--prefix', 'auth/app']);
      const refused = await microconf(['put', 'registry', '"x"', '--consul', `http://ops:wrong-word@${guarded.address}`]);
      for (const failed of [wrong, none, refused]) expect(failed).toMatchObject({ code: 3, stdout: '', stderr: expect.stringContaining(`http://${guarded.address}`) });
      for (const output of [put, get, wrong, none, refused]) expect(output.stdout + output.stderr).not.toMatch(/pa55-word|wrong-word/);
    } finally {
      await guarded.stop();
    }
  });

  it.runIf(hasEtcd)('sign in to etcd and are never printed', async () => {
    const server = await startEtcd();
    try {
      const admin = new Etcd3({ hosts: server.endpoint });
      await admin.role('root').create();
      await admin.user('root').create('pa55-word');
      await admin.user('root').addRole('root');
      await admin.auth.authEnable({});
      admin.close();
      const hosts = server.endpoint.replace('http://', 'http://root:pa55-word@');
      const put = await microconf(['put', 'registry', '"etcd"', '--etcd', hosts, '--prefix', '/auth/app', ...PATIENT]);
      expect(put).toEqual({ code: 0, stdout: `wrote /auth/app/registry to etcd at ${server.endpoint}\n`, stderr: '' });
      const get = await microconf(['get', 'registry', '--etcd', hosts, '--prefix', '/auth/app', ...PATIENT]);
      expect(get).toEqual({ code: 0, stdout: 'etcd\n', stderr: '' });
      const wrong = await microconf(['get', 'registry', '--etcd', hosts.replace('pa55-word', 'wrong-word'), '--prefix', '/auth/app']);
      const none = await microconf(['get', 'registry', '--etcd', server.endpoint, '--prefix', '/auth/app']);
      for (const failed of [wrong, none]) expect(failed).toMatchObject({ code: 3, stdout: '', stderr: expect.stringContaining(server.endpoint) });
      for (const output of [put, get, wrong, none]) expect(output.stdout + output.stderr).not.toMatch(/pa55-word|wrong-word/);
    } finally {
      await server.dispose();
    }
  });
});

describe('microconf watch', { timeout: CHILDREN }, () => {
  it('prints a lasting failure once, and again after the configuration changed', async () => {
    const { base } = await files();
    const watcher = startChild(cli, process.env, 60_000, ['watch', '--file', base]);
    const errors = () => watcher.lines.filter((line) => line.startsWith('error: '));
    try {
      await watcher.waitFor(/^watching \(everything\) from version 1$/);
      for (const port of [8081, 8082]) {
        await rm(base);
        await watcher.waitFor(/^error: /);
        // The file source looks at a deleted file again about 60 ms later: time for a repeated report to show.
        await settle(500);
        await writeFile(base, `server:\n  port: ${port}\n`);
        await watcher.waitFor(new RegExp(`server\\.port: \\d+ -> ${port} `));
      }
      expect(errors()).toHaveLength(2);
      expect(errors()[0]).toBe(errors()[1]);
      expect(errors()[0]).toContain(`file:${base}`);
    } finally {
      watcher.process.kill('SIGKILL');
    }
  });

  it('stops quietly, exit 0, when nobody reads its output any more (`microconf watch | head -1`)', async () => {
    const { base } = await files();
    const watcher = startChild(cli, process.env, 60_000, ['watch', '--file', base]);
    try {
      await watcher.waitFor(/^watching \(everything\) from version 1$/);
      watcher.process.stdout!.destroy();
      // Each change is a line to print into the closed pipe: EPIPE at the first one.
      let port = 8081;
      let exited = false;
      void watcher.exited.then(() => (exited = true));
      while (!exited) {
        await writeFile(base, `server:\n  port: ${port++}\n`);
        await Promise.race([watcher.exited, settle(200)]);
      }
      expect(await watcher.exited).toBe(0);
      // Nothing on stderr: no unhandled 'error' event and its stack.
      expect(watcher.lines).toEqual(['watching (everything) from version 1']);
    } finally {
      watcher.process.kill('SIGKILL');
    }
  });

  it('shows a value added as coming from nothing, and one removed as going to nothing, with no source', async () => {
    const { base } = await files();
    const watcher = startChild(cli, process.env, 60_000, ['watch', 'server', '--file', base]);
    try {
      await watcher.waitFor(/^watching server from version 1$/);
      await writeFile(base, 'server:\n  port: 8080\n  debug: true\n');
      await watcher.waitFor(/v\d+ server\.debug: \(none\) -> true {2}\(file:.+base\.yaml\)$/);
      await writeFile(base, 'server:\n  port: 8080\n');
      await watcher.waitFor(/v\d+ server\.debug: true -> \(none\)$/);
      expect(watcher.lines.join('\n')).not.toMatch(/undefined|\(\(/);
    } finally {
      watcher.process.kill('SIGKILL');
    }
  });

  it.runIf(hasEtcd)('shows a file change and an etcd change live, with source, and never a secret', async () => {
    const { base } = await files();
    const store = ['--etcd', backends.etcd()!.endpoint, '--prefix', '/watch/app', ...PATIENT];
    await microconf(['put', 'feature', 'false', ...store]);
    const watcher = startChild(cli, process.env, 60_000, ['watch', '--secret', 'database.password', '--file', base, ...store]);
    try {
      await watcher.waitFor(/^watching \(everything\) from version 1$/);
      await writeFile(base, 'server:\n  port: 8081\n  host: 0.0.0.0\ndatabase:\n  password: next-s3cret\nregistry: mdns\n');
      await watcher.waitFor(/v\d+ server\.port: 8080 -> 8081 {2}\(file:.+base\.yaml\)$/);
      await watcher.waitFor(/database\.password: "\[redacted\]" -> "\[redacted\]"/);
      await microconf(['put', 'feature', 'true', ...store]);
      await watcher.waitFor(/v\d+ feature: false -> true {2}\(etcd:\/watch\/app\/feature\)$/);
      watcher.process.kill('SIGINT');
      expect(await watcher.exited).toBe(0);
      expect(watcher.lines.join('\n')).not.toMatch(/s3cret/);
      for (const line of watcher.lines.filter((l) => /->/.test(l))) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    } finally {
      watcher.process.kill('SIGKILL');
    }
  });

  it('never prints a secret from get or explain', async () => {
    const { base } = await files();
    const outputs = await Promise.all([
      microconf(['get', 'database', '--secret', 'database.password', '--file', base]),
      microconf(['get', 'database.password', '--secret', 'database.password', '--file', base]),
      microconf(['explain', '.', '--secret', 'database.password', '--file', base]),
      microconf(['explain', 'database', '--json', '--secret', '**.password', '--file', base]),
    ]);
    for (const { stdout, stderr, code } of outputs) {
      expect(code).toBe(0);
      expect(stdout + stderr).not.toContain('s3cret');
      expect(stdout).toContain('[redacted]');
    }
  });
});
