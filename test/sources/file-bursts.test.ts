// Writes in bursts, as deploy scripts, config-management agents and editors make them. Each verdict is an order of
// events: when a sibling file written after the burst is published, the burst's last value must be published
// already. A watcher that throttles a file's events (and reads it again only later) fails that, however fast.
import { mkdir, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createConfig, fileSource, type Config } from '../../src/index.ts';
import { eventually, settle } from '../helpers/events.ts';
import { tempDir } from '../helpers/files.ts';

const open: Config[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((config) => config.close()));
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One way of writing `app.json` in `dir` (set up once, then written again and again). */
interface Pattern {
  name: string;
  setup(dir: string, text: string): Promise<void>;
  write(dir: string, text: string): Promise<void>;
}

// A ConfigMap volume's layout: app.json -> ..data/app.json, ..data -> ..v<n>.
const swapData = async (dir: string, text: string, round: number, removeOld: boolean) => {
  await mkdir(join(dir, `..v${round}`));
  await writeFile(join(dir, `..v${round}`, 'app.json'), text);
  await symlink(`..v${round}`, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  if (removeOld) await rm(join(dir, `..v${round - 1}`), { recursive: true });
};

let version = 0;
const patterns: Pattern[] = [
  { name: 'in place', setup: (dir, text) => writeFile(join(dir, 'app.json'), text), write: (dir, text) => writeFile(join(dir, 'app.json'), text) },
  {
    name: 'renamed over',
    setup: (dir, text) => writeFile(join(dir, 'app.json'), text),
    write: async (dir, text) => {
      await writeFile(join(dir, 'app.json.tmp'), text);
      await rename(join(dir, 'app.json.tmp'), join(dir, 'app.json'));
    },
  },
  {
    name: 'deleted and created again',
    setup: (dir, text) => writeFile(join(dir, 'app.json'), text),
    write: async (dir, text) => {
      await unlink(join(dir, 'app.json'));
      await writeFile(join(dir, 'app.json'), text);
    },
  },
  ...[true, false].map(
    (removeOld): Pattern => ({
      name: `..data swapped, old directory ${removeOld ? 'removed' : 'left in place'}`,
      setup: async (dir, text) => {
        version = 0;
        await mkdir(join(dir, '..v0'));
        await writeFile(join(dir, '..v0', 'app.json'), text);
        await symlink('..v0', join(dir, '..data'));
        await symlink('..data/app.json', join(dir, 'app.json'));
      },
      write: (dir, text) => swapData(dir, text, ++version, removeOld),
    }),
  ),
];

/** A config of `app.json` (written by the pattern) and `marker.json` (written in place), each with debounce 0. */
async function watchedPair(pattern: Pattern) {
  const dir = await tempDir();
  await pattern.setup(dir, '{"v":0}');
  await writeFile(join(dir, 'marker.json'), '{"m":0}');
  const config = await createConfig({
    sources: [fileSource({ path: join(dir, 'app.json'), debounce: 0 }), fileSource({ path: join(dir, 'marker.json'), debounce: 0 })],
  });
  open.push(config);
  // The value of `v` in the snapshot where each marker first appears, and every `v` ever published.
  const atMarker = new Map<number, number>();
  const published: number[] = [];
  config.on('change', ({ changes }) => {
    for (const change of changes) {
      if (change.path === 'm') atMarker.set(change.current as number, config.get('v').int(-1));
      if (change.path === 'v') published.push(change.current as number);
    }
  });
  await settle(150);
  const mark = async (m: number) => {
    await writeFile(join(dir, 'marker.json'), `{"m":${m}}`);
    await eventually(() => expect(atMarker.has(m)).toBe(true));
  };
  return { dir, atMarker, published, mark };
}

// The system's watcher (inotify) delivers every event in order; elsewhere chokidar's throttle stands in the way.
describe.runIf(process.platform === 'linux')('fileSource bursts', () => {
  it.each(patterns)('publishes a value written 1 ms after another ($name)', async (pattern) => {
    const { dir, atMarker, mark } = await watchedPair(pattern);
    for (let round = 1; round <= 5; round++) {
      await pattern.write(dir, `{"v":${2 * round - 1}}`);
      await sleep(1);
      await pattern.write(dir, `{"v":${2 * round}}`);
      await mark(round);
      expect(atMarker.get(round)).toBe(2 * round);
    }
  });

  it.each(patterns)('publishes the last of 100 writes 1 ms apart, and only values written ($name)', async (pattern) => {
    const { dir, atMarker, published, mark } = await watchedPair(pattern);
    for (let v = 1; v <= 100; v++) {
      await pattern.write(dir, `{"v":${v}}`);
      await sleep(1);
    }
    await mark(1);
    expect(atMarker.get(1)).toBe(100);
    expect(published.every((v, i) => v >= 1 && v <= 100 && (i === 0 || v > published[i - 1]!))).toBe(true);
  });
});
