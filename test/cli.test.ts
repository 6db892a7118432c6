// The `microconf` command, run as a child process against real files, a real etcd and the Consul KV emulator.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startChild } from './helpers/children.ts';
import { tempDir } from './helpers/files.ts';
import { runScript } from './helpers/process.ts';
import { useBackends } from './helpers/backends.ts';

const cli = fileURLToPath(new URL('../src/cli/bin.ts', import.meta.url));
const microconf = (args: string[], env: NodeJS.ProcessEnv = process.env) => runScript(cli, { args, env, timeout: 30_000 });
const backends = useBackends();
const { hasEtcd } = backends;

async function files() {
  const dir = await tempDir();
  const base = join(dir, 'base.yaml');
  const local = join(dir, 'local.json');
  await writeFile(base, 'server:\n  port: 8080\n  host: 0.0.0.0\ndatabase:\n  password: base-s3cret\nregistry: mdns\n');
  await writeFile(local, '{"server":{"port":9090}}');
  return { dir, base, local };
}

describe('microconf get and explain', () => {
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

  it('exits with clear codes and messages', async () => {
    const { dir, base } = await files();
    const missing = await microconf(['get', 'nope.here', '--file', base]);
    expect(missing).toMatchObject({ code: 1, stderr: 'no value at nope.here\n' });
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'a: 1\nb: [1,\n');
    const invalid = await microconf(['get', 'a', '--file', bad]);
    expect(invalid.code).toBe(3);
    expect(invalid.stderr).toContain(`file:${bad}: invalid yaml`);
    expect(invalid.stderr).toMatch(/line 3, column 1/);
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

describe('microconf put and import', () => {
  it('writes to Consul and reads it back', async () => {
    const { base } = await files();
    const store = ['--consul', backends.emulator().address, '--prefix', 'cli/app'];
    expect(await microconf(['import', base, ...store])).toMatchObject({ code: 0, stdout: 'wrote 4 keys\n' });
    expect(await microconf(['put', 'registry', '"consul"', ...store])).toMatchObject({ code: 0 });
    const back = await microconf(['get', '.', '--json', ...store]);
    expect(JSON.parse(back.stdout)).toEqual({ server: { port: 8080, host: '0.0.0.0' }, database: { password: 'base-s3cret' }, registry: 'consul' });
  });

  it.runIf(hasEtcd)('writes to etcd and reads it back', async () => {
    const { base } = await files();
    const store = ['--etcd', backends.etcd()!.endpoint, '--prefix', '/cli/app'];
    expect(await microconf(['import', base, ...store])).toMatchObject({ code: 0 });
    expect(await microconf(['get', 'server.host', ...store])).toMatchObject({ code: 0, stdout: '0.0.0.0\n' });
  });
});

describe('microconf watch', () => {
  it.runIf(hasEtcd)('shows a file change and an etcd change live, with source, and never a secret', async () => {
    const { base } = await files();
    const store = ['--etcd', backends.etcd()!.endpoint, '--prefix', '/watch/app'];
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
