// The shell every key-value store source shares (src/sources/remote.ts), driven by a scripted client: layers
// reach the config in the order the client handed the keys over, whatever each one takes to decode.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createConfig, type Config } from '../../src/index.ts';
import type { KvPair } from '../../src/sources/kv.ts';
import { storeSource, type StoreClient } from '../../src/sources/remote.ts';
import { openYamlGate } from '../helpers/encoder-gate.ts';
import { eventually } from '../helpers/events.ts';

// The YAML encoder loads when first asked for: the gate holds that load, so a layer with a YAML key is still
// decoding when the next set of keys comes.
vi.mock('../../src/encoders/index.ts', async (original) => (await import('../helpers/encoder-gate.ts')).gatedEncoders(original));

const open: Config[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((config) => config.close()));
});

/** A client whose watch hands over the given sets of keys, one after the other, then a marker. */
function scriptedClient(sets: KvPair[][]): StoreClient {
  return {
    store: 'scripted',
    where: 'here',
    fetch: async () => [],
    async follow(publish) {
      await Promise.all(sets.map((pairs) => publish(pairs)));
      await publish([{ key: 'app/marker', value: '1' }]);
    },
    release: async () => {},
  };
}

describe('store source shell', () => {
  it('never lets an older layer still decoding land after a newer one', async () => {
    // A YAML document written, then deleted: the deletion must win.
    const client = scriptedClient([[{ key: 'app/doc.yaml', value: 'a: 1\n' }], []]);
    const config = await createConfig({ sources: [storeSource({ name: 'kv', prefix: 'app', optional: false, cache: undefined }, client)] });
    open.push(config);
    const appeared: boolean[] = [];
    config.on('change', () => appeared.push(config.get('doc').exists()));
    openYamlGate();
    await eventually(() => expect(config.get('marker').int()).toBe(1));
    expect(appeared).not.toContain(true);
    expect(config.map()).toEqual({ marker: 1 });
  });
});
