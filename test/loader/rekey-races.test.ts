// A change of keys decodes every source's data again; reads under way and large layers being opened meanwhile are
// newer news. Whatever the interleaving of syncs and key changes, the last data read is what the config ends with.
import { afterEach, expect, it } from 'vitest';
import { createChannel } from '../../src/channel.ts';
import { createConfig, type Config } from '../../src/index.ts';
import { LARGE_LAYER_VALUES } from '../../src/loader/slices.ts';
import { encryptValue, generateKey, secretbox } from '../../src/secrets/index.ts';
import { readsAsked, scriptedSource } from '../helpers/sources.ts';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

const open: Config[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((config) => config.close()));
});

it('ends with the last data read, whatever the interleaving of syncs and key changes, small layers and large', { timeout: 120_000 }, async () => {
  // A fixed sequence (a linear congruential generator): the same interleavings on every run.
  let seed = 7;
  const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  for (let trial = 0; trial < 32; trial++) {
    const box = secretbox({ key: generateKey() });
    const keys = createChannel<void>();
    const decrypter = { decrypt: (sealed: Uint8Array) => box.decrypt(sealed), watch: (signal?: AbortSignal) => keys.subscribe(signal) };
    // One trial in four a layer large enough to be opened in slices.
    const width = trial % 4 === 0 ? LARGE_LAYER_VALUES + 4000 : 0;
    const data = (version: number) => ({
      ...Object.fromEntries(Array.from({ length: width }, (_, i) => [`k${i}`, (i + version) % 10])),
      secret: encryptValue(box, `v${version}`),
    });
    const source = scriptedSource();
    const creating = createConfig({ sources: [source], decrypt: decrypter });
    await readsAsked(source, 1);
    source.reads[0]!.answer(data(0));
    const config = await creating;
    open.push(config);
    let last = 0;
    const syncs: Promise<unknown>[] = [];
    for (let step = 1; step < 12; step++) {
      if (random(2) === 0) {
        const reads = source.reads.length;
        syncs.push(config.sync().catch(() => {}));
        await readsAsked(source, reads + 1);
        for (let i = random(4); i > 0; i--) await turn();
        if (random(2) === 0) keys.push();
        for (let i = random(4); i > 0; i--) await turn();
        source.reads[reads]!.answer(data(step));
        last = step;
      } else keys.push();
      for (let i = random(5); i > 0; i--) await turn();
    }
    await Promise.all(syncs);
    for (let i = 0; i < 200; i++) await turn();
    expect(config.get('secret').string(), `trial ${trial}`).toBe(`v${last}`);
  }
});
