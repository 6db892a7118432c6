// Options a careless operator writes: a limit of NaN, 0 or Infinity, a negative debounce, a timeout in the wrong
// unit. Each is refused where it is given (INVALID_OPTION, naming the option), or, for a delay longer than a timer
// can wait, taken as the longest one; before, NaN and Infinity turned bounds into no bounds or into READ errors
// about the file, and a readTimeout over 24.8 days made every read time out after 1 ms.
import { describe, expect, it } from 'vitest';
import { ConfigError, consulSource, createConfig, envSource, etcdSource, fileSource, flagsSource, memorySource, secretsDirSource, type Source } from '../../src/index.ts';
import { countOption, delayOption, MAX_DELAY, portOption } from '../../src/option-checks.ts';
import { consulRegistry, etcdRegistry, mdnsRegistry } from '../../src/service/index.ts';
import { eventually } from '../helpers/events.ts';
import { tempDir } from '../helpers/files.ts';

const BAD_COUNTS: readonly unknown[] = [Number.NaN, 0, -1, 0.5, Number.POSITIVE_INFINITY, '100', 2 ** 53];
const BAD_DELAYS: readonly unknown[] = [Number.NaN, -1, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '100', null];

/** The INVALID_OPTION error `make` throws, at once or from its promise. */
async function invalidOption(make: () => unknown): Promise<ConfigError> {
  let thrown: unknown;
  try {
    await make();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  expect((thrown as ConfigError).code).toBe('INVALID_OPTION');
  return thrown as ConfigError;
}

describe('option checks', () => {
  it('take a count or size only as a whole number of at least 1', () => {
    expect(countOption(undefined, 'maxBytes')).toBeUndefined();
    expect(countOption(1, 'maxBytes')).toBe(1);
    expect(countOption(2 ** 53 - 1, 'maxBytes')).toBe(2 ** 53 - 1);
    for (const value of BAD_COUNTS) expect(() => countOption(value, 'maxBytes'), String(value)).toThrow(/^maxBytes must be a whole number/);
  });

  it('take a delay as a finite number of milliseconds, at most the longest a timer waits', () => {
    expect(delayOption(undefined, 'timeout')).toBeUndefined();
    expect(delayOption(250.5, 'timeout')).toBe(250.5);
    expect(delayOption(3e9, 'timeout')).toBe(MAX_DELAY);
    expect(delayOption(0, 'debounce', { zero: true })).toBe(0);
    expect(() => delayOption(0, 'timeout')).toThrow(/^timeout must be a number of milliseconds, more than 0$/);
    for (const value of BAD_DELAYS) expect(() => delayOption(value, 'debounce', { zero: true }), String(value)).toThrow(/0 or more$/);
  });

  it('take a port from 1 to 65535', () => {
    expect(portOption(5353, 'port')).toBe(5353);
    for (const value of [0, -1, 65536, 53.5, Number.NaN, '53']) expect(() => portOption(value, 'port'), String(value)).toThrow(/^port must be a port number/);
  });
});

describe('createConfig refuses a limit that is no limit', () => {
  for (const option of ['maxBytes', 'maxDepth', 'maxValues', 'readTimeout'] as const) {
    it(`names ${option} when it is NaN, 0, negative, a fraction (limits), Infinity or a string`, async () => {
      const values = option === 'readTimeout' ? [...BAD_DELAYS, 0] : BAD_COUNTS;
      for (const value of values) {
        const error = await invalidOption(() => createConfig({ sources: [memorySource({ a: 1 })], [option]: value as number }));
        expect(error.message, String(value)).toMatch(new RegExp(`^${option} must be`));
      }
    });
  }

  it('takes a readTimeout longer than a timer can wait as the longest wait, not as 1 ms', async () => {
    // A source answering on a later timer: with the timeout's timer overflowing to 1 ms, it was set first and fired
    // first, and the read failed with "no answer within 3000000000 ms".
    const slow: Source = {
      name: 'slow',
      read: async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return memorySource({ a: 1 }).read();
      },
    };
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const config = await createConfig({ sources: [slow], readTimeout: 3e9, watch: false });
      expect(config.get('a').int(0)).toBe(1);
      await config.close();
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('TimeoutOverflowWarning');
  });
});

describe('sources and registries refuse nonsense timing where they are made', () => {
  it('file and secrets-directory debounce: NaN, negative, Infinity or a string', async () => {
    const dir = await tempDir();
    for (const value of BAD_DELAYS) {
      const file = await invalidOption(() => fileSource({ path: `${dir}/app.json`, debounce: value as number }));
      expect(file.message).toBe(`file:${dir}/app.json: debounce must be a number of milliseconds, 0 or more`);
      expect(file.source).toBe(`file:${dir}/app.json`);
      const secrets = await invalidOption(() => secretsDirSource({ dir, debounce: value as number }));
      expect(secrets.source).toBe(`secrets:${dir}`);
    }
  });

  it('store timeouts, retry delays and Consul wait', async () => {
    for (const value of BAD_DELAYS) {
      expect((await invalidOption(() => etcdSource({ timeout: value as number }))).message).toMatch(/^etcd: timeout must be/);
      expect((await invalidOption(() => etcdSource({ maxRetryDelay: value as number }))).message).toMatch(/^etcd: maxRetryDelay must be/);
      expect((await invalidOption(() => consulSource({ timeout: value as number }))).message).toMatch(/^consul: timeout must be/);
      expect((await invalidOption(() => consulSource({ maxRetryDelay: value as number }))).message).toMatch(/^consul: maxRetryDelay must be/);
    }
    await invalidOption(() => etcdSource({ timeout: 0 }));
    for (const wait of ['forever', '', '-5s', '0s', 60_000]) {
      expect((await invalidOption(() => consulSource({ wait: wait as string }))).message, String(wait)).toMatch(/^consul: wait \(a Go duration/);
    }
  });

  it('a Consul address that is no address, named without quoting it (it may carry credentials)', async () => {
    const address = 'http://user:hunter2@[not-a-host';
    for (const make of [() => consulSource({ address }), () => consulRegistry({ address }), () => consulSource({ address: 'http://127.0.0.1:8500', port: 70000 })]) {
      const error = await invalidOption(make);
      expect(error.message).toMatch(/^consul( registry)?: the Consul (address|port)/);
      expect(`${error.message} ${String(error.cause)}`).not.toContain('hunter2');
    }
  });

  it('registry ports and intervals', async () => {
    for (const port of [0, 65536, 1.5, Number.NaN]) await invalidOption(() => mdnsRegistry({ port }));
    for (const value of BAD_DELAYS) {
      await invalidOption(() => mdnsRegistry({ timeout: value as number }));
      await invalidOption(() => mdnsRegistry({ interval: value as number }));
      await invalidOption(() => consulRegistry({ interval: value as number }));
    }
  });
});

describe('a call from JavaScript with the wrong kind of value is told what was wanted', () => {
  const loose = (value: unknown) => value as never;

  it('sources: not an array, a hole, an object without read()', async () => {
    expect((await invalidOption(() => createConfig({ sources: loose('file.json') }))).message).toBe('sources must be an array of sources');
    // A sparse array: walked whole (4 billion holes, a minute and a half) to an engine TypeError before.
    const holes: unknown[] = [];
    holes.length = 2 ** 32 - 1;
    const started = process.cpuUsage();
    expect((await invalidOption(() => createConfig({ sources: loose(holes) }))).message).toBe('sources[0] is not a source: an object with a read() function');
    const config = await createConfig();
    expect((await invalidOption(() => config.load(...([memorySource({}), ...holes.slice(0, 3)] as never[])))).message).toBe('sources[1] is not a source: an object with a read() function');
    await config.close();
    const spent = process.cpuUsage(started);
    expect((spent.user + spent.system) / 1000).toBeLessThan(1000);
    for (const bad of [null, 7, { name: 'x' }]) {
      expect((await invalidOption(() => createConfig({ sources: loose([memorySource({ a: 1 }), bad]) }))).message).toBe(
        'sources[1] is not a source: an object with a read() function',
      );
    }
  });

  it('secret: a string alone, an item that is not a string, a hole', async () => {
    const source = () => memorySource({ db: { password: 'hunter2' } });
    expect((await invalidOption(() => createConfig({ sources: [source()], secret: loose('db.password') }))).message).toBe('secret must be an array of strings');
    for (const [bad, index] of [[['db.password', 5], 1], [[null], 0], [[{}], 0]] as const) {
      expect((await invalidOption(() => createConfig({ sources: [source()], secret: loose(bad) }))).message).toBe(`secret[${index}] is not a string`);
    }
    // Walked for nearly three minutes and taken before.
    const holes: unknown[] = [];
    holes.length = 2 ** 32 - 1;
    const started = process.cpuUsage();
    expect((await invalidOption(() => createConfig({ sources: [source()], secret: loose(holes) }))).message).toBe('secret[0] is not a string');
    const spent = process.cpuUsage(started);
    expect((spent.user + spent.system) / 1000).toBeLessThan(1000);
    const config = await createConfig({ sources: [source()], secret: ['db.password'] });
    expect(config.explain('db.password').value).toBe('[redacted]');
    await config.close();
  });

  it('flags and environment given from JavaScript: argv not an array of strings, env not an object of strings', async () => {
    // Before: a string alone read as no flags at all; a number or a hole a READ error with an engine message.
    for (const [argv, message] of [
      ['--port=8080', 'flags: argv must be an array of strings'],
      [['--a', 5], 'flags: argv[1] is not a string'],
      [[null], 'flags: argv[0] is not a string'],
    ] as const) {
      expect((await invalidOption(() => flagsSource({ argv: loose(argv) }))).message).toBe(message);
    }
    // Before: a string read as one variable a character ({"0":"A","1":"=","2":"1"}); a number or an object taken
    // into the config as it was.
    for (const env of ['A=1', ['A=1'], null]) {
      expect((await invalidOption(() => envSource({ env: loose(env) }))).message).toBe('env: the env option must be an object of variables and their string values');
    }
    for (const value of [5, {}, null]) {
      const error = await invalidOption(() => createConfig({ sources: [envSource({ env: loose({ PORT: value }) })] }));
      expect(error).toMatchObject({ source: 'env', message: 'env: the value of PORT is not a string' });
    }
    const config = await createConfig({ sources: [envSource({ env: { PORT: '8080', UNSET: undefined } }), flagsSource({ argv: ['--debug'] })] });
    expect(config.map()).toEqual({ port: '8080', debug: true });
    await config.close();
  });

  it('lists of files and hosts: a string where a list is wanted, an item that is not a string, holes', async () => {
    const holes: unknown[] = [];
    holes.length = 2 ** 32 - 1;
    // Before: a string spread into its characters (files: '.env' read the directory '.'), an engine TypeError for a
    // number or an object, and 2 ** 32 - 1 holes spread until the process ran out of memory.
    for (const [files, message] of [
      ['.env', 'env: files must be an array of strings'],
      [[5], 'env: files[0] is not a string'],
      [holes, 'env: files[0] is not a string'],
    ] as const) {
      expect((await invalidOption(() => envSource({ files: loose(files) }))).message).toBe(message);
    }
    for (const [make, source] of [
      [(hosts: unknown) => etcdSource({ hosts: loose(hosts) }), 'etcd'],
      [(hosts: unknown) => etcdRegistry({ hosts: loose(hosts) }), 'etcd registry'],
    ] as const) {
      expect((await invalidOption(() => make({}))).message).toBe(`${source}: hosts must be a string or an array of strings`);
      expect((await invalidOption(() => make(['http://127.0.0.1:2379', 5]))).message).toBe(`${source}: hosts[1] is not a string`);
      expect((await invalidOption(() => make(holes))).message).toBe(`${source}: hosts[0] is not a string`);
      make('http://127.0.0.1:2379');
      make(['http://127.0.0.1:2379']);
    }
  });

  it('takes what was taken before: a function carrying read(), decoded data that is null (an empty layer)', async () => {
    const read = async () => ({ data: { a: 3 }, format: 'object', checksum: 'c', source: 'fn', timestamp: 0 });
    const fromFunction = await createConfig({ sources: [loose(Object.assign(() => {}, { read }))], watch: false });
    expect(fromFunction.map()).toEqual({ a: 3 });
    const empty = memorySource(loose(null));
    const config = await createConfig({ defaults: { b: 1 }, sources: [empty] });
    expect(config.map()).toEqual({ b: 1 });
    const errors: unknown[] = [];
    config.on('error', (error) => errors.push(error));
    empty.replace({ b: 2 });
    await eventually(() => expect(config.map()).toEqual({ b: 2 }));
    empty.replace(loose(null));
    await eventually(() => expect(config.map()).toEqual({ b: 1 }));
    expect(errors).toEqual([]);
    await Promise.all([fromFunction.close(), config.close()]);
  });

  it('a source whose read() answers with something other than a change set', async () => {
    for (const answer of [42, null, { data: 5, format: 'json' }, { data: null, format: 'json' }, { data: '{}' }]) {
      const source = loose({ name: 'mine', read: () => answer });
      const error = await createConfig({ sources: [source] }).then(
        () => undefined,
        (failure: unknown) => failure as ConfigError,
      );
      expect(error?.code, JSON.stringify(answer)).toBe('READ');
      expect(error?.source).toBe('mine');
      expect(error?.message).toMatch(/gave something other than a change set/);
    }
  });

  it('defaults that are not an object; paths and prefixes of the wrong type', async () => {
    for (const defaults of [[1, 2], 'abc', 5]) await invalidOption(() => createConfig({ defaults: loose(defaults) }));
    for (const path of ['', 5, undefined, 'a\0b.json']) {
      expect((await invalidOption(() => fileSource(loose({ path })))).message).toMatch(/^a file source needs a path/);
      await invalidOption(() => secretsDirSource(loose({ dir: path })));
    }
    expect((await invalidOption(() => envSource({ prefix: loose(5) }))).message).toBe('prefix must be a string or an array of strings');
    expect((await invalidOption(() => envSource({ strippedPrefix: loose(['APP_', 5]) }))).message).toMatch(/^strippedPrefix must be/);
    const config = await createConfig({ sources: [memorySource({ a: 1 })], watch: false });
    expect((await invalidOption(() => config.watch(loose(5)))).message).toBe('a path is a dotted string or an array of segments');
    await config.close();
  });
});

describe('a misspelt option is refused, not ignored', () => {
  const loose = (value: unknown) => value as never;

  it('names the option and the nearest one there is', async () => {
    const cases: [() => unknown, string][] = [
      [() => createConfig(loose({ source: [] })), 'createConfig has no option "source"; did you mean "sources"?'],
      [() => createConfig(loose({ defualts: {} })), 'createConfig has no option "defualts"; did you mean "defaults"?'],
      // Ignored, this one read the whole environment into the config.
      [() => envSource(loose({ prefx: 'APP' })), 'envSource has no option "prefx"; did you mean "prefix"?'],
      [() => fileSource(loose({ path: 'app.json', Debounce: 5 })), 'fileSource has no option "Debounce"; did you mean "debounce"?'],
      [() => memorySource({}, loose({ fromat: 'yaml' })), 'memorySource has no option "fromat"; did you mean "format"?'],
      [() => etcdSource(loose({ host: 'http://127.0.0.1:2379' })), 'etcdSource has no option "host"; did you mean "hosts"?'],
      [() => createConfig(loose({ colour: 'blue' })), 'createConfig has no option "colour"'],
      [() => createConfig(loose(null)), 'createConfig takes an object of options'],
    ];
    for (const [make, message] of cases) expect((await invalidOption(make)).message).toBe(message);
    const config = await createConfig({ sources: [memorySource({ a: 1 })], watch: false });
    expect((await invalidOption(() => config.watch('a', loose({ singal: new AbortController().signal })))).message).toBe(
      'watch has no option "singal"; did you mean "signal"?',
    );
    await config.close();
  });

  it('shows at most 64 characters of a name, and compares no longer one', async () => {
    const error = await invalidOption(() => createConfig(loose({ ['x'.repeat(100_000)]: 1 })));
    expect(error.message).toBe(`createConfig has no option "${'x'.repeat(64)}…"`);
  });
});
