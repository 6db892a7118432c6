import { mkdir, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, createConfig, envSource, secretsDirSource, type Config, type EnvSourceOptions } from '../../src/index.ts';
import { SECRET_FILE_LIMITS } from '../../src/sources/secret-files.ts';
import { nextChange, nextError, settle } from '../helpers/events.ts';
import { tempDir } from '../helpers/files.ts';

const open: Config[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((config) => config.close()));
});

async function configOf(options: EnvSourceOptions) {
  const config = await createConfig({ sources: [envSource({ strippedPrefix: 'APP', fileSuffix: '_FILE', ...options })] });
  open.push(config);
  return config;
}

async function failure(options: EnvSourceOptions): Promise<ConfigError> {
  const error = await configOf(options).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('envSource({ fileSuffix })', () => {
  it('reads DB_PASSWORD_FILE=/run/secrets/db as db.password, a secret never printed', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'db'), 'hunter2\n');
    const config = await configOf({ env: { APP_DB_PASSWORD_FILE: join(dir, 'db'), APP_DB_HOST: 'db.local', APP_PROFILE_FILE_NAME: 'x' } });
    expect(config.get('db.password').string()).toBe('hunter2');
    // Only the suffix at the end names a file.
    expect(config.get('profile.file.name').string()).toBe('x');
    expect(config.explain('db.password')).toEqual({ path: 'db.password', value: '[redacted]', source: 'env:APP_DB_PASSWORD_FILE', overridden: [] });
    expect(JSON.stringify(config.explain('db'))).not.toContain('hunter2');
    expect(config.explain('db.host').value).toBe('db.local');
  });

  it('follows the files: a rewrite and a secret volume swapping its ..data link publish the new value, printed redacted', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, '..v1'));
    await writeFile(join(dir, '..v1', 'db'), 'first');
    await symlink('..v1', join(dir, '..data'));
    await symlink(join('..data', 'db'), join(dir, 'db'));
    const config = await configOf({ env: { APP_DB_PASSWORD_FILE: join(dir, 'db') } });
    expect(config.get('db.password').string()).toBe('first');
    await settle(200);

    const swapped = nextChange(config);
    await mkdir(join(dir, '..v2'));
    await writeFile(join(dir, '..v2', 'db'), 'second\n');
    await symlink('..v2', join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    const event = await swapped;
    expect(config.get('db.password').string()).toBe('second');
    expect(event.changes.map((change) => change.path)).toEqual(['db.password']);
    expect([JSON.stringify(event), inspect(event, { depth: 10 })].join()).not.toMatch(/first|second/);
  });

  it('drops a byte order mark at the start of the file, then its one trailing line ending', async () => {
    const dir = await tempDir();
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    await writeFile(join(dir, 'db'), Buffer.concat([bom, Buffer.from('hunter2\r\n')]));
    await writeFile(join(dir, 'token'), Buffer.concat([bom, Buffer.from('tok\n\n')]));
    const config = await configOf({ env: { APP_DB_PASSWORD_FILE: join(dir, 'db'), APP_API_TOKEN_FILE: join(dir, 'token') } });
    expect(config.get('db.password').string()).toBe('hunter2');
    // One line ending is the writer's (`echo`); a second is the value's own, as without a mark.
    expect(config.get('api.token').string()).toBe('tok\n');
  });

  it('needs no file when no variable has the suffix, and reads plain variables as ever', async () => {
    const config = await configOf({ env: { APP_REGISTRY: 'mdns' } });
    expect(config.get('registry').string()).toBe('mdns');
    expect(config.explain('registry').value).toBe('mdns');
  });

  it('refuses a variable set both ways, a missing file, a file too big or not UTF-8, naming the variable, never the content', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'db'), 'hunter2');
    const both = await failure({ env: { APP_DB_PASSWORD: 'x', APP_DB_PASSWORD_FILE: join(dir, 'db') } });
    expect(both).toMatchObject({ code: 'DECODE', source: 'env', path: 'APP_DB_PASSWORD_FILE' });
    expect(both.message).toContain('APP_DB_PASSWORD and APP_DB_PASSWORD_FILE');

    const missing = await failure({ env: { APP_DB_PASSWORD_FILE: join(dir, 'missing') } });
    expect(missing).toMatchObject({ code: 'READ', source: 'env', path: 'APP_DB_PASSWORD_FILE' });
    // Empty, as an unset variable substituted gives: not the working directory ('not a regular file (a directory)').
    const empty = await failure({ env: { APP_DB_PASSWORD_FILE: '' } });
    expect(empty).toMatchObject({ code: 'READ', source: 'env', path: 'APP_DB_PASSWORD_FILE' });
    expect(empty.message).toBe('env: APP_DB_PASSWORD_FILE is empty: it names no file');

    await writeFile(join(dir, 'huge'), 'z'.repeat(SECRET_FILE_LIMITS.fileBytes + 1));
    expect(await failure({ env: { APP_DB_PASSWORD_FILE: join(dir, 'huge') } })).toMatchObject({ code: 'LIMIT', path: 'APP_DB_PASSWORD_FILE' });

    await writeFile(join(dir, 'binary'), Buffer.from([0x68, 0xff, 0xfe, 0x32]));
    const binary = await failure({ env: { APP_DB_PASSWORD_FILE: join(dir, 'binary') } });
    expect(binary).toMatchObject({ code: 'DECODE', path: 'APP_DB_PASSWORD_FILE' });

    for (const error of [both, missing, binary]) expect(`${error.message}${inspect(error)}`).not.toContain('hunter2');
    expect(() => envSource({ fileSuffix: '' })).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });

  it('keeps the last good value when a followed file disappears, with one error', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'db'), 'hunter2');
    const config = await configOf({ env: { APP_DB_PASSWORD_FILE: join(dir, 'db') } });
    await settle(200);
    const failed = nextError(config);
    await rename(join(dir, 'db'), join(dir, 'gone'));
    // Named by the file source that follows it: the environment source and the file.
    expect(await failed).toMatchObject({ source: `env:${join(dir, 'db')}` });
    expect(config.get('db.password').string()).toBe('hunter2');
  });
});

describe('secret files are secrets', () => {
  it('a secrets directory’s values print as [redacted] in explain and change events', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'db__password'), 'hunter2\n');
    const config = await createConfig({ sources: [secretsDirSource({ dir, separator: '__' })] });
    open.push(config);
    expect(config.get('db.password').string()).toBe('hunter2');
    expect(config.explain('db').value).toEqual({ password: '[redacted]' });
    await settle(200);
    const changed = nextChange(config);
    await writeFile(join(dir, 'db__password'), 'correct horse\n');
    const event = await changed;
    expect(config.get('db.password').string()).toBe('correct horse');
    expect([JSON.stringify(event), inspect(event, { depth: 10 }), String(event.changes[0])].join()).not.toMatch(/hunter2|correct horse/);
  });
});
