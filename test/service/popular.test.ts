// The Popular example when its configured registry cannot be reached: one clear line naming the registry and its
// address, and a non-zero exit, never a stack trace.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/files.ts';
import { freePort } from '../helpers/ports.ts';
import { runScript } from '../helpers/process.ts';

const serviceFile = fileURLToPath(new URL('../../examples/popular/service.ts', import.meta.url));

describe('examples/popular with an unreachable registry', () => {
  it.each([
    ['consul', (port: number) => ({ consul: { address: `127.0.0.1:${port}` } }), (port: number) => `consul registry at 127.0.0.1:${port}`],
    ['etcd', (port: number) => ({ etcd: { hosts: `http://127.0.0.1:${port}` } }), (port: number) => `etcd registry at http://127.0.0.1:${port}`],
  ])('prints one line naming the %s registry and exits 1', async (kind, registries, named) => {
    const port = await freePort();
    const file = join(await tempDir(), 'config.json');
    await writeFile(file, JSON.stringify({ registry: kind, registries: registries(port), server: { registerTimeout: '5s' } }));
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MICRO_')));
    const { stdout, stderr, code } = await runScript(serviceFile, { env: { ...env, POPULAR_CONFIG: file } });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^popular: ${named(port).replace(/[.]/g, '\\.')} (is unreachable \\(E[A-Z]+\\)|did not answer in time): could not register popular$`));
  });
});
