// A watched JSON file rewritten with new values is decoded from them alone (src/loader/json-edits.ts), end to end: the
// text is not parsed whole again, and what is published is what a whole decode gives.
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createConfig, fileSource, type Config } from '../../src/index.ts';
import { nextChange } from '../helpers/events.ts';
import { tempDir } from '../helpers/files.ts';

const open: Config[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(open.splice(0).map((config) => config.close()));
});

const text = (port: number, name: string) => JSON.stringify({ server: { port, name }, list: [1, 2, 3], flags: { on: true } }, null, 2);

/** The longest text JSON.parse was given while `run` ran. */
async function longestParse(run: () => Promise<void>): Promise<number> {
  const parse = JSON.parse.bind(JSON);
  let longest = 0;
  vi.spyOn(JSON, 'parse').mockImplementation((input: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
    longest = Math.max(longest, input.length);
    return parse(input, reviver) as unknown;
  });
  await run();
  vi.restoreAllMocks();
  return longest;
}

describe('a watched JSON file rewritten with new values', () => {
  it('is published from the values that changed, the rest of its layer kept', async () => {
    const dir = await tempDir();
    const path = join(dir, 'app.json');
    await writeFile(path, text(8080, 'a'));
    const config = await createConfig({ sources: [fileSource({ path, debounce: 0 })] });
    open.push(config);
    const flags = config.get('flags').value();
    // The layer is mapped on the turn after it is published; the watch starts on the next turn too.
    await new Promise((resolve) => setImmediate(resolve));
    const longest = await longestParse(async () => {
      const changed = nextChange(config);
      await writeFile(`${path}.tmp`, text(9090, 'bb'));
      await rename(`${path}.tmp`, path);
      await changed;
    });
    expect(config.get('server').value()).toEqual({ port: 9090, name: 'bb' });
    expect(config.get('flags').value()).toBe(flags);
    // Only the two values were read (`9090`, `"bb"`), not the document.
    expect(longest).toBeLessThan(10);
  });

  it('is decoded whole when a key changes, and published as any change is', async () => {
    const dir = await tempDir();
    const path = join(dir, 'app.json');
    await writeFile(path, text(8080, 'a'));
    const config = await createConfig({ sources: [fileSource({ path, debounce: 0 })] });
    open.push(config);
    await new Promise((resolve) => setImmediate(resolve));
    const renamed = text(8080, 'a').replace('"name"', '"title"');
    const longest = await longestParse(async () => {
      const changed = nextChange(config);
      await writeFile(path, renamed);
      await changed;
    });
    expect(config.get('server').value()).toEqual({ port: 8080, title: 'a' });
    expect(longest).toBe(renamed.length);
  });
});
