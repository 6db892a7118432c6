import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

const made: string[] = [];

/** A fresh temporary directory, removed after the test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'microconf-'));
  made.push(dir);
  return dir;
}

afterEach(async () => {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/**
 * A URL as another realm's or library's class holds it (jsdom's in a test environment): the shape the published
 * types take (href, protocol, pathname), and no `instanceof URL`.
 */
export function foreignUrl(url: URL): { readonly href: string; readonly protocol: string; readonly pathname: string } {
  return { href: url.href, protocol: url.protocol, pathname: url.pathname };
}
