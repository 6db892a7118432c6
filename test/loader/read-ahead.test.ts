// A change set a source tells of ahead of its watch (READ_AHEAD: a file source reads at an event while its debounce
// runs) is decoded as soon as it is told, and published only when the watch yields that very change set: then
// without a second decode. One never yielded is never published, nor is its failure reported.
import { afterEach, describe, expect, it } from 'vitest';
import { createChannel } from '../../src/channel.ts';
import { createChangeSet, createConfig, type ChangeSet, type Config, type ConfigError, type Source } from '../../src/index.ts';
import { READ_AHEAD, type ReadsAhead } from '../../src/sources/source.ts';
import { eventually, settle } from '../helpers/events.ts';

const open: Config[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((config) => config.close()));
});

/** A source of `count` documents (JSON text) whose watch, and what it tells ahead of it, the test drives. */
function aheadSource(first: string): Source & ReadsAhead & { tell(changeSet: ChangeSet | undefined): void; push(changeSet: ChangeSet): void; listeners(): number } {
  const channel = createChannel<ChangeSet>();
  const listeners = new Set<(changeSet: ChangeSet | undefined) => void>();
  return {
    name: 'ahead',
    read: async () => createChangeSet('ahead', 'count', first),
    watch: (signal) => channel.subscribe(signal),
    [READ_AHEAD](listen) {
      listeners.add(listen);
      return () => void listeners.delete(listen);
    },
    tell: (changeSet) => listeners.forEach((listen) => listen(changeSet)),
    push: (changeSet) => channel.push(changeSet),
    listeners: () => listeners.size,
    async close() {
      channel.end();
    },
  };
}

/** A config of the source, whose `count` format counts its decodes (JSON underneath). */
async function counted(source: Source) {
  const decodes: string[] = [];
  const config = await createConfig({
    sources: [source],
    encoders: {
      count: {
        decode(bytes) {
          const text = new TextDecoder().decode(bytes);
          decodes.push(text);
          return JSON.parse(text) as unknown;
        },
      },
    },
  });
  open.push(config);
  const versions: number[] = [];
  const errors: ConfigError[] = [];
  config.on('change', (event) => versions.push(event.version));
  config.on('error', (error) => errors.push(error));
  return { config, decodes, versions, errors };
}

const text = (port: number) => createChangeSet('ahead', 'count', `{"port":${port}}`);

describe('a change set told ahead of the watch', () => {
  it('is decoded when told, published when the watch yields it, and not decoded again', async () => {
    const source = aheadSource('{"port":1}');
    const { config, decodes, versions } = await counted(source);
    await eventually(() => expect(source.listeners()).toBe(1));
    const ahead = text(2);
    source.tell(ahead);
    await settle();
    expect(decodes).toEqual(['{"port":1}', '{"port":2}']);
    // Decoded, not published.
    expect(versions).toEqual([]);
    expect(config.get('port').int()).toBe(1);
    source.push(ahead);
    await eventually(() => expect(config.get('port').int()).toBe(2));
    expect(versions).toEqual([2]);
    expect(decodes).toHaveLength(2);
  });

  it('is never published when the watch yields another change set, which is decoded then', async () => {
    const source = aheadSource('{"port":1}');
    const { config, decodes, versions } = await counted(source);
    await eventually(() => expect(source.listeners()).toBe(1));
    source.tell(text(2));
    source.tell(undefined);
    source.push(text(3));
    await eventually(() => expect(config.get('port').int()).toBe(3));
    await settle();
    expect(versions).toEqual([2]);
    expect(decodes).toEqual(['{"port":1}', '{"port":2}', '{"port":3}']);
    // An equal change set that is not the one told is decoded again: only that very object is taken.
    const told = text(4);
    source.tell(told);
    source.push(text(4));
    await eventually(() => expect(config.get('port').int()).toBe(4));
    expect(decodes).toEqual(['{"port":1}', '{"port":2}', '{"port":3}', '{"port":4}', '{"port":4}']);
  });

  it('holds its failure until the watch yields it, and reports it once then', async () => {
    const source = aheadSource('{"port":1}');
    const { config, versions, errors } = await counted(source);
    await eventually(() => expect(source.listeners()).toBe(1));
    const broken = createChangeSet('ahead', 'count', '{"port":');
    source.tell(broken);
    await settle();
    expect(errors).toEqual([]);
    // Told, then dropped: nothing said.
    source.tell(undefined);
    await settle();
    expect(errors).toEqual([]);
    source.tell(broken);
    source.push(broken);
    await eventually(() => expect(errors).toHaveLength(1));
    expect(errors[0]).toMatchObject({ code: 'DECODE', source: 'ahead' });
    expect(versions).toEqual([]);
    expect(config.get('port').int()).toBe(1);
  });

  it('is not decoded when it holds the data of the current layer', async () => {
    const source = aheadSource('{"port":1}');
    const { decodes, versions } = await counted(source);
    await eventually(() => expect(source.listeners()).toBe(1));
    const same = text(1);
    source.tell(same);
    source.push(same);
    await settle();
    expect(decodes).toEqual(['{"port":1}']);
    expect(versions).toEqual([]);
  });

  it('is no longer listened for once the config closes', async () => {
    const source = aheadSource('{"port":1}');
    const { config } = await counted(source);
    await eventually(() => expect(source.listeners()).toBe(1));
    await config.close();
    await eventually(() => expect(source.listeners()).toBe(0));
  });
});
