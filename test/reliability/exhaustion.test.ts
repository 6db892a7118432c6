// Inputs built to exhaust memory: what is read and held follows the limit, not the attacker. A file is read no
// further than maxBytes and only if it is a regular file; what a layer holds (after YAML aliases and `${VAR}`)
// counts against maxBytes in every kind of source; path caches are bounded by bytes.
import { execFileSync } from 'node:child_process';
import { open, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError, createConfig, envSource, fileSource, flagsSource, memorySource } from '../../src/index.ts';
import { eventually, nextError } from '../helpers/events.ts';
import { tempDir } from '../helpers/files.ts';
import { refusal } from '../helpers/sources.ts';
import { fixture, runScript } from '../helpers/process.ts';
import { storeBackends, useStores } from '../helpers/stores.ts';
import { measure, mib, report } from './measure.ts';

const MiB = 1024 * 1024;
const cli = fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url));

/** The largest resident set this process has had, in bytes. */
const peakRss = () => process.resourceUsage().maxRSS * 1024;


describe('files', () => {
  // First in the file: the process's peak memory is measured from here.
  it('stops at maxBytes: a 300 MB file under a 16 MiB limit is refused without being read', async () => {
    const path = join(await tempDir(), 'huge.json');
    const handle = await open(path, 'w');
    await handle.truncate(300 * 1000 * 1000); // sparse: no disk is used
    await handle.close();
    const peak = peakRss();
    const cost = await measure(() => refusal([fileSource(path)], 16 * MiB));
    const grown = peakRss() - peak;
    report('a 300 MB file under a 16 MiB limit', cost, `peak memory +${mib(grown)}`);
    expect((cost.value as ConfigError).code).toBe('LIMIT');
    expect((cost.value as ConfigError).message).toMatch(/300000000 bytes exceeds the limit of 16777216/);
    expect(grown).toBeLessThan(64 * MiB);
  });

  it('reads only regular files: a FIFO, a device, a directory and a socket are refused at once, by every reader', async () => {
    const dir = await tempDir();
    const fifo = join(dir, 'config.fifo');
    const fifoJson = join(dir, 'fifo.json');
    execFileSync('mkfifo', [fifo, fifoJson]);
    const socket = join(dir, 'config.sock');
    const server = createServer().listen(socket);
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const cases: [string, string, RegExp][] = [
        ['file', fifo, /refused READ: file:.*config\.fifo: not a regular file \(a FIFO\)/],
        ['file', '/dev/zero', /refused READ: .*not a regular file \(a character device\)/],
        ['file', dir, /refused READ: .*not a regular file \(a directory\)/],
        ['file', socket, /refused READ: .*not a regular file \(a socket\)/],
        ['dotenv', fifo, /refused READ: env:.*not a regular file \(a FIFO\)/],
        ['dotenv', '/dev/zero', /refused READ: env:.*not a regular file \(a character device\)/],
        // The cache is skipped, and the store's own failure is what the config reports.
        ['cache', fifo, /refused READ: consul:micro\/config: cannot read from Consul/],
      ];
      const started = Date.now();
      for (const [kind, path, expected] of cases) {
        const { stdout } = await runScript(fixture('special-file.ts'), { args: [kind, path] });
        expect(stdout).toMatch(expected);
      }
      const zero = join(dir, 'zero.json');
      await symlink('/dev/zero', zero);
      const get = await runScript(cli, { args: ['get', 'a', '--file', zero] });
      expect(get.code).toBe(3);
      expect(get.stderr).toContain('not a regular file (a character device)');
      const imported = await runScript(cli, { args: ['import', fifoJson, '--etcd', 'http://127.0.0.1:1'] });
      expect(imported.code).toBe(3);
      expect(imported.stderr).toContain('not a regular file (a FIFO)');
      console.log(`[reliability] a FIFO, /dev/zero, a directory and a socket as config files, .env files, a cache and CLI input: ${cases.length + 2} refusals in ${((Date.now() - started) / 1000).toFixed(1)} s (child processes)`);
    } finally {
      server.close();
    }
  }, 240_000);
});

describe('what a layer holds', () => {
  it('counts what ${VAR} expands to against maxBytes, and stops expanding at the limit', async () => {
    const big = 'x'.repeat(200 * 1024);
    const document = JSON.stringify({ a: '${BIG}'.repeat(1000) }); // 6 kB that would expand to 200 MB
    const path = join(await tempDir(), 'config.json');
    await writeFile(path, document);
    const cost = await measure(() => createConfig({ sources: [fileSource(path)], env: { BIG: big } }).catch((error: unknown) => error));
    report('6 kB of ${BIG} expanding to 200 MB, under 16 MiB', cost);
    expect(cost.value).toBeInstanceOf(ConfigError);
    expect((cost.value as ConfigError).code).toBe('LIMIT');
    expect(cost.heldBytes).toBeLessThan(16 * MiB);
  });

  it('counts what a layer of decoded data holds, from memory, the environment and flags', { timeout: 120_000 }, async () => {
    const value = 'x'.repeat(2 * MiB);
    for (const [name, source] of [
      ['memory', memorySource({ a: value })],
      ['env', envSource({ env: { A: value } })],
      ['flags', flagsSource({ argv: [`--a=${value}`] })],
      ['memory, many small keys', memorySource(Object.fromEntries(Array.from({ length: 150_000 }, (_, i) => [`key${i}`, i])))],
    ] as const) {
      const error = await refusal([source], MiB);
      expect(error.code, name).toBe('LIMIT');
      expect(error.source).toBe(source.name);
    }
  });

  it('refuses JSON that writes more values than maxValues before the engine parses it, on the event loop and on the thread', { timeout: 120_000 }, async () => {
    const parse = vi.spyOn(JSON, 'parse');
    try {
      // 600 kB, decoded on the event loop: 200,001 empty objects, which the engine's parse would build before the
      // layer counted them.
      const dense = `{"a":[${'{},'.repeat(200_000)}{}]}`;
      const cost = await measure(() => refusal([memorySource(dense, { format: 'json' })], 16 * MiB));
      report('600 kB of JSON {}, over maxValues', cost, `refused: ${(cost.value as ConfigError).code}`);
      expect(cost.value).toMatchObject({ code: 'LIMIT', source: 'memory' });
      expect((cost.value as ConfigError).message).toContain('maxValues');
      expect(parse).not.toHaveBeenCalledWith(dense);
    } finally {
      parse.mockRestore();
    }
    // 1.2 MB, decoded on the thread, cut short at its end: a parse would have found the cut (DECODE); the count
    // stops at maxValues, long before it.
    const cut = `{"a":[${'[],'.repeat(400_000)}`;
    const error = await refusal([memorySource(cut, { format: 'json' })], 16 * MiB);
    expect(error).toMatchObject({ code: 'LIMIT', source: 'memory' });
    expect(error.message).toContain('maxValues');
    // Under a limit that admits its values, the parse runs and finds the cut.
    await expect(createConfig({ sources: [memorySource(cut, { format: 'json' })], maxValues: 500_000 })).rejects.toMatchObject({ code: 'DECODE' });
  });

  it('refuses TOML that writes more values than maxValues before the parser builds them, on the event loop and on the thread', { timeout: 120_000 }, async () => {
    // Each cut short at its end: a parse would have found the cut (DECODE); the count stops at maxValues, long before.
    // 200 kB of 20,001 keys under maxValues 20,000 decodes on the event loop; 490 kB of 20,001 keys holding arrays
    // of 5 numbers, 120,006 values under maxValues 100,000, on the thread.
    const keys = `${Array.from({ length: 20_001 }, (_, i) => `k${i} = ${i % 10}`).join('\n')}\nbroken = `;
    const numbers = `${Array.from({ length: 20_001 }, (_, i) => `k${i} = [1, 2, 3, 4, 5]`).join('\n')}\nbroken = [`;
    for (const [text, maxValues] of [
      [keys, 20_000],
      [numbers, 100_000],
    ] as const) {
      const error = await createConfig({ sources: [memorySource(text, { format: 'toml' })], maxValues }).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toMatchObject({ code: 'LIMIT', source: 'memory' });
      expect((error as ConfigError).message).toContain('maxValues');
      // Under a limit that admits its values, the parse runs and finds the cut.
      await expect(createConfig({ sources: [memorySource(text, { format: 'toml' })], maxValues: maxValues * 2 })).rejects.toMatchObject({ code: 'DECODE' });
    }
  });

  it('refuses dotenv and JSON5 that write more values than maxValues before their parsers build them', { timeout: 120_000 }, async () => {
    // Each cut short at its end, about 1.2 MB, decoded on the thread: a parse would have found the cut (DECODE); the
    // count stops at maxValues, long before. An object of millions of keys built by a parser is one allocation of
    // tens of MiB, past what a thread's last room can take.
    const cases = [
      ['dotenv', `${Array.from({ length: 100_001 }, (_, i) => `K${i}=${i % 10}`).join('\n')}\nBROKEN="`],
      ['json5', `{${Array.from({ length: 100_001 }, (_, i) => `k${i}: ${i % 10}`).join(',')}, broken: [`],
    ] as const;
    for (const [format, text] of cases) {
      const error = await createConfig({ sources: [memorySource(text, { format })] }).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error, format).toMatchObject({ code: 'LIMIT', source: 'memory' });
      expect((error as ConfigError).message).toContain('maxValues');
    }
  });

  it('refuses a document whose parse needs more memory than its size allows, naming the source, and decodes the next', { timeout: 240_000 }, async () => {
    const dir = await tempDir();
    const path = join(dir, 'dense.json');
    // 4 MiB of JSON {}: 1.4 million objects under a maxValues that admits them, which the engine's parse needs about
    // 100 MiB of heap to build (measured), where a document of 4 MiB may take 64 (the floor). In arrays of 1,000:
    // no single allocation is larger than the room the engine leaves a thread past its limit (16 MiB).
    await writeFile(path, `{"a":[${Array.from({ length: 1400 }, () => `[${'{},'.repeat(999)}{}]`).join(',')}]}`);
    const cost = await measure(() => createConfig({ sources: [fileSource({ path, watch: false })], maxValues: 2_000_000 }).catch((error: unknown) => error));
    report('4 MiB of JSON {} under maxValues 2,000,000', cost, `refused: ${(cost.value as ConfigError).code}`);
    expect(cost.value).toBeInstanceOf(ConfigError);
    expect(cost.value).toMatchObject({ code: 'LIMIT', source: `file:${path}` });
    expect((cost.value as ConfigError).message).toMatch(/needs more memory than the 64 MiB of heap allowed for a document of its size/);
    // The thread that ran out was replaced: the next large document decodes.
    const next = join(dir, 'next.json');
    await writeFile(next, JSON.stringify({ a: 'x'.repeat(2 * MiB) }));
    const config = await createConfig({ sources: [fileSource({ path: next, watch: false })] });
    expect(config.get('a').string('')).toHaveLength(2 * MiB);
    await config.close();
  });

  it('turns a YAML !!binary into base64 text, !!set into an array and !!omap into an object', async () => {
    const bytes = 4 * MiB;
    const base64 = Buffer.alloc(bytes, 7).toString('base64');
    const path = join(await tempDir(), 'config.yaml');
    await writeFile(path, `blob: !!binary |\n${base64.match(/.{1,76}/g)!.map((line) => `  ${line}`).join('\n')}\nset: !!set {a, b}\nomap: !!omap [{z: 1}, {a: 2}]\n`);
    const cost = await measure(() => createConfig({ sources: [fileSource(path)] }));
    const config = cost.value!;
    report(`a YAML !!binary of ${mib(bytes)} (${mib(base64.length)} of base64)`, cost);
    expect(config.get('blob').string()).toBe(base64);
    expect(config.get('set').scan()).toEqual(['a', 'b']);
    expect(Object.entries(config.get('omap').scan() as object)).toEqual([
      ['z', 1],
      ['a', 2],
    ]);
    // One key per byte would have held 4 million keys, hundreds of MiB.
    expect(cost.heldBytes).toBeLessThan(10 * base64.length);
    await config.close();
  });

  it('refuses YAML aliases and merges that would expand past maxBytes, before expanding them', async () => {
    const anchor = `a: &a\n${Array.from({ length: 20_000 }, (_, i) => `  k${i}: 1`).join('\n')}\n`;
    const merges = `${anchor}${Array.from({ length: 99 }, (_, i) => `b${i}:\n  <<: *a`).join('\n')}\n`;
    const path = join(await tempDir(), 'config.yaml');
    await writeFile(path, merges);
    const cost = await measure(() => refusal([fileSource(path)], MiB));
    report(`${mib(merges.length)} of YAML merging a 20,000-key anchor 99 times, under 1 MiB`, cost);
    expect((cost.value as ConfigError).code).toBe('LIMIT');
    expect(cost.cpuMs).toBeLessThan(5000);
  });

  it('refuses a memorySource.set() deeper than maxDepth, and takes the next one', async () => {
    const source = memorySource({ a: 1 });
    const config = await createConfig({ sources: [source] });
    const deep = Array.from({ length: 20_000 }, (_, i) => `k${i}`);
    const cost = await measure(() => source.set(deep, 1));
    report('memorySource.set() of a path 20,000 segments deep, under maxDepth 64', cost);
    expect(cost.error).toBeInstanceOf(ConfigError);
    expect((cost.error as ConfigError).code).toBe('LIMIT');
    expect(() => source.set(['x'], { y: Object.fromEntries([['z', JSON.parse(`${'{"a":'.repeat(70)}1${'}'.repeat(70)}`)]]) })).toThrow(/nesting deeper/);
    source.set('later', 2);
    await eventually(() => expect(config.get('later').int(0)).toBe(2));
    await config.close();
  });

  it('bounds the path caches by bytes: paths chosen by callers cannot pin memory', async () => {
    const config = await createConfig({ sources: [memorySource({ a: 1 })] });
    const paths = 2000;
    const cost = await measure(() => {
      for (let i = 0; i < paths; i++) config.get(`${i}.${'p'.repeat(64 * 1024)}`).exists();
    });
    report(`get() of ${paths} distinct 64 KiB paths`, cost);
    expect(cost.heldBytes).toBeLessThan(16 * MiB);
    await config.close();
  });
});

// etcd takes requests up to 1.5 MiB; Consul's emulator takes any size.
const BIG = { etcd: 1_400_000, consul: 8_000_000 };

describe.each(storeBackends)('$name values', (backend) => {
  const fresh = useStores(backend);
  const { name, available } = backend;
  const big = BIG[name];

  it.runIf(available)('count against maxBytes: a value larger than the limit is refused', async () => {
    const store = fresh();
    try {
      await store.put('big', 'x'.repeat(big));
      // A generous timeout: moving megabytes on a loaded machine is slow, and a timeout is not what is tested.
      const cost = await measure(() => refusal([store.source({ timeout: 20_000 })], MiB));
      report(`a ${(big / 1e6).toFixed(1)} MB ${name} value under 1 MiB`, cost);
      expect((cost.value as ConfigError).code).toBe('LIMIT');
      // Once the store answers with a layer too large, the last good one stays.
      await store.put('big', 'small');
      const config = await createConfig({ sources: [store.source({ timeout: 20_000 })], maxBytes: MiB });
      const failed = nextError(config);
      await store.put('big', 'x'.repeat(big));
      expect((await failed).code).toBe('LIMIT');
      expect(config.get('big').string()).toBe('small');
      await config.close();
    } finally {
      await store.close();
    }
  }, 60_000);
});
