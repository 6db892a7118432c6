import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  configDirSources,
  consulSource,
  createConfig,
  customEnvironmentSource,
  envSource,
  etcdSource,
  fileSource,
  memorySource,
  secretsDirSource,
  type ChangeSet,
  type Source,
} from '../../src/index.ts';
import { tempDir } from '../helpers/files.ts';

describe('watch: false (Go Config WithWatcherDisabled)', () => {
  it('leaves every source that watches without watch(), and keeps the rest of it', async () => {
    const dir = await tempDir();
    const watching: Record<string, Source> = {
      file: fileSource({ path: join(dir, 'a.json'), optional: true, watch: false }),
      memory: memorySource({ a: 1 }, { watch: false }),
      env: envSource({ file: join(dir, '.env'), watch: false }),
      consul: consulSource({ prefix: 'app', watch: false }),
      etcd: etcdSource({ prefix: '/app', watch: false }),
      secrets: secretsDirSource({ dir, watch: false }),
      custom: customEnvironmentSource({ path: join(dir, 'custom-environment-variables.json'), watch: false }),
    };
    for (const [kind, source] of Object.entries(watching)) expect(source.watch, kind).toBeUndefined();
    for (const source of configDirSources({ dir, env: {}, argv: [], watch: false })) expect(source.watch, source.name).toBeUndefined();
    // Without the option, each of them watches.
    expect(fileSource({ path: join(dir, 'a.json'), optional: true }).watch).toBeTypeOf('function');
    expect(configDirSources({ dir, env: {}, argv: [] })[0]!.watch).toBeTypeOf('function');
    const memory = watching.memory as ReturnType<typeof memorySource>;
    memory.set('a', 2);
    expect((await memory.read()).data).toEqual({ a: 2 });
    await Promise.all(Object.values(watching).map((source) => source.close?.()));
  });

  it('a file source without a watch is read again by sync() only', async () => {
    const path = join(await tempDir(), 'app.json');
    await writeFile(path, '{"greeting": "Hello"}');
    const config = await createConfig({ sources: [fileSource({ path, watch: false })] });
    await writeFile(path, '{"greeting": "Hi"}');
    expect(config.get('greeting').string()).toBe('Hello');
    await config.sync();
    expect(config.get('greeting').string()).toBe('Hi');
    await config.close();
  });

  it('createConfig({ watch: false }) follows no source, and hands every other member of a source through', async () => {
    let watched = 0;
    let accepted = 0;
    let closed = 0;
    class CountingSource implements Source {
      readonly name = 'counting';
      data = { a: 1 };
      async read(): Promise<ChangeSet> {
        return { data: this.data, format: 'object', checksum: String(this.data.a), source: this.name, timestamp: 0 };
      }
      watch(): AsyncIterable<ChangeSet> {
        watched++;
        return { [Symbol.asyncIterator]: () => ({ next: async () => ({ done: true, value: undefined }) }) };
      }
      accepted(): void {
        accepted++;
      }
      async close(): Promise<void> {
        closed++;
      }
    }
    const source = new CountingSource();
    const config = await createConfig({ watch: false, sources: [source] });
    await config.load(memorySource({ b: 1 }));
    source.data = { a: 2 };
    await config.sync();
    expect(config.map()).toEqual({ a: 2, b: 1 });
    await config.close();
    expect({ watched, accepted, closed }).toEqual({ watched: 0, accepted: 2, closed: 1 });
  });
});
