import { writeFile } from 'node:fs/promises';
import { customEnvironmentSource } from '../../src/index.ts';
import { tempDir } from '../helpers/files.ts';
import { describe, expect, it } from 'vitest';
import { baseNames, customEnvironmentFiles, layoutFiles, readSettings, type SettingsInput } from '../../src/sources/config-dir-layout.ts';
import { mapCustomEnvironment, mappingFormats } from '../../src/sources/custom-env.ts';
import { normalize, type Tree } from '../../src/reader/tree.ts';

const input = (over: Partial<SettingsInput>): SettingsInput => ({ env: {}, argv: [], osHostname: () => 'os-host.lan', ...over });

describe('node-config layout settings', () => {
  it.each([
    ['defaults', {}, { dirs: ['./config'], deployments: ['development'], hostname: 'os-host.lan', instance: undefined }],
    ['NODE_CONFIG_DIR list', { env: { NODE_CONFIG_DIR: '/a::/b' } }, { dirs: ['/a', '/b'] }],
    ['NODE_CONFIG_ENV over NODE_ENV', { env: { NODE_CONFIG_ENV: 'a,b', NODE_ENV: 'c' } }, { deployments: ['a', 'b'] }],
    ['an empty NODE_CONFIG_ENV is unset', { env: { NODE_CONFIG_ENV: '', NODE_ENV: 'c' } }, { deployments: ['c'] }],
    ['--NAME= before the environment', { env: { NODE_ENV: 'c', HOST: 'h' }, argv: ['--NODE_ENV=d', '--HOST=k'] }, { deployments: ['d'], hostname: 'k' }],
    ['HOST over HOSTNAME', { env: { HOST: 'a', HOSTNAME: 'b' } }, { hostname: 'a' }],
    ['HOSTNAME', { env: { HOSTNAME: 'b.x' } }, { hostname: 'b.x' }],
    ['no host name at all', { osHostname: () => { throw new Error('none'); } }, { hostname: '' }],
    ['instance', { env: { NODE_APP_INSTANCE: '3' } }, { instance: '3' }],
    ['code wins', { env: { NODE_ENV: 'x', NODE_CONFIG_DIR: '/x' }, dir: ['/c'], deployment: 'p', hostname: 'h', instance: 'i' }, { dirs: ['/c'], deployments: ['p'], hostname: 'h', instance: 'i' }],
  ] as const)('%s', (_name, over, expected) => {
    expect(readSettings(input(over as Partial<SettingsInput>))).toMatchObject(expected);
  });
});

describe('node-config layout order', () => {
  it.each([
    [{ deployments: ['dev'], hostname: '' }, ['default', 'dev', 'local', 'local-dev']],
    [{ deployments: ['dev'], hostname: 'web' }, ['default', 'dev', 'web', 'web-dev', 'local', 'local-dev']],
    [{ deployments: ['dev'], hostname: 'web.example.com' }, ['default', 'dev', 'web', 'web-dev', 'web.example.com', 'web.example.com-dev', 'local', 'local-dev']],
    [{ deployments: ['a', 'b'], hostname: 'h' }, ['default', 'a', 'b', 'h', 'h-a', 'h', 'h-b', 'local', 'local-a', 'local', 'local-b']],
  ])('%j → %j', (settings, expected) => {
    expect(baseNames({ dirs: [], instance: undefined, ...settings })).toEqual(expected);
  });

  it('lists every name with its instance variant and each extension, a repeated name at its last place, every directory', () => {
    const files = layoutFiles(
      { dirs: ['/one', '/two'], deployments: ['a', 'b'], hostname: 'h', instance: '1' },
      [['json', 'json5'], ['yaml', 'yaml']],
    );
    const names = files.map((file) => file.path);
    expect(names.slice(0, 4)).toEqual(['/one/default.json', '/two/default.json', '/one/default.yaml', '/two/default.yaml']);
    expect(names.slice(4, 8)).toEqual(['/one/default-1.json', '/two/default-1.json', '/one/default-1.yaml', '/two/default-1.yaml']);
    const order = [...new Set(names.filter((name) => name.startsWith('/one/')).map((name) => name.slice(5).replace(/\.(json|yaml)$/, '')))];
    expect(order).toEqual(['default', 'default-1', 'a', 'a-1', 'b', 'b-1', 'h-a', 'h-a-1', 'h', 'h-1', 'h-b', 'h-b-1', 'local-a', 'local-a-1', 'local', 'local-1', 'local-b', 'local-b-1']);
    expect(files.find((file) => file.path === '/one/local.yaml')?.format).toBe('yaml');
    expect(files.find((file) => file.path === '/one/local.json')?.format).toBe('json5');
  });

  it('reads .json as JSON5, in node-config order of extensions, then .env; custom variables from every directory', () => {
    const settings = { dirs: ['/c'], deployments: ['d'], hostname: '', instance: undefined };
    expect(layoutFiles(settings).slice(0, 7).map((file) => [file.path, file.format])).toEqual([
      ['/c/default.json', 'json5'],
      ['/c/default.jsonc', 'json5'],
      ['/c/default.json5', 'json5'],
      ['/c/default.toml', 'toml'],
      ['/c/default.yaml', 'yaml'],
      ['/c/default.yml', 'yaml'],
      ['/c/default.env', 'dotenv'],
    ]);
    expect(customEnvironmentFiles({ ...settings, dirs: ['/a', '/b'] }).slice(0, 3).map((file) => file.path)).toEqual([
      '/a/custom-environment-variables.json',
      '/b/custom-environment-variables.json',
      '/a/custom-environment-variables.jsonc',
    ]);
  });
});

describe('custom environment variables mapping', () => {
  const parse = (format: string, text: string): Tree => {
    if (format !== 'json') throw new Error('unexpected');
    return normalize(JSON.parse(text), { maxDepth: 8 });
  };
  const map = (mapping: unknown, env: Record<string, string>) => mapCustomEnvironment(normalize(mapping, { maxDepth: 8 }), env, parse);

  it.each([
    ['a name', { db: { host: 'DB_HOST' } }, { DB_HOST: 'h' }, { db: { host: 'h' } }],
    ['unset and empty names', { a: 'A', b: 'B' }, { B: '' }, {}],
    ['boolean', { f: { __name: 'F', __format: 'boolean' }, g: { __name: 'G', __format: 'boolean' } }, { F: 'true', G: 'yes' }, { f: true, g: false }],
    ['number', { n: { __name: 'N', __format: 'number' }, x: { __name: 'X', __format: 'number' } }, { N: ' 1e3 ', X: 'ten' }, { n: 1000, x: null }],
    ['json', { j: { __name: 'J', __format: 'json' } }, { J: '{"a":[1]}' }, { j: { a: [1] } }],
    ['json null sets nothing', { j: { __name: 'J', __format: 'json' } }, { J: 'null' }, {}],
    ['an unset formatted variable: walked like any object', { j: { __name: 'J', __format: 'json' } }, { json: 'odd' }, { j: { __format: 'odd' } }],
    ['keys with dots stay literal', { 'a.b': 'A' }, { A: '1' }, { 'a.b': '1' }],
    ['hostile keys are dropped', { __proto__: { x: 'A' }, constructor: 'A', ok: 'A' }, { A: '1' }, { ok: '1' }],
  ])('%s', (_name, mapping, env, expected) => {
    expect(map(mapping, env).tree).toEqual(expected);
  });

  it('names the variable behind each path', () => {
    expect(map({ db: { host: 'DB_HOST', port: { __name: 'DB_PORT', __format: 'number' } } }, { DB_HOST: 'h', DB_PORT: '1' }).origins).toEqual([
      { path: ['db', 'host'], origin: 'DB_HOST' },
      { path: ['db', 'port'], origin: 'DB_PORT' },
    ]);
  });

  it('lists the formats a mapping needs decoders for', () => {
    expect([...mappingFormats(normalize({ a: { __name: 'A', __format: 'yaml' }, b: { c: { __name: 'C', __format: 'number' } } }, { maxDepth: 8 }))]).toEqual(['yaml']);
  });
});

describe('customEnvironmentSource', () => {
  it('refuses a mapping document beyond 16 MiB, naming the file', async () => {
    const path = `${await tempDir()}/custom-environment-variables.json`;
    await writeFile(path, `{"a": "${'x'.repeat(16 * 1024 * 1024)}"}`);
    await expect(customEnvironmentSource({ path, env: {} }).read()).rejects.toMatchObject({ code: 'LIMIT', path });
  });
});
