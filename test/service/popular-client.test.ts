// The Popular example's client stopped with Ctrl-C while its calls wait for an answer: it ends them and exits quietly,
// without a "call failed: … the client was closed" line for each.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createConfig, memorySource } from '../../src/index.ts';
import { createService } from '../../src/service/index.ts';
import { tempDir } from '../helpers/files.ts';
import { freePort } from '../helpers/ports.ts';
import { childEnv, NODE_ARGS } from '../helpers/process.ts';

const clientFile = fileURLToPath(new URL('../../examples/popular/client.ts', import.meta.url));

describe('examples/popular client', () => {
  it('exits 0 on SIGINT with a call in flight, printing no failure for it', async () => {
    const settings = {
      registry: 'mdns',
      registries: { mdns: { interface: '127.0.0.1', bind: '224.0.0.251', port: await freePort() } },
      client: { timeout: '60s' },
    };
    const file = join(await tempDir(), 'config.json');
    await writeFile(file, JSON.stringify(settings));
    const config = await createConfig({ sources: [memorySource(settings)] });
    // A handler that answers only when its caller goes away, and says when a call has reached it.
    let reached!: () => void;
    const called = new Promise<void>((resolve) => (reached = resolve));
    const service = createService({ name: 'popular', config }).handle('Popular', {
      async ping(_request, ctx) {
        reached();
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
        return {};
      },
    });
    await service.start();
    try {
      const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('MICRO_')));
      const child = spawn(process.execPath, [...NODE_ARGS, clientFile], { env: childEnv({ ...env, POPULAR_CONFIG: file }) });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await called;
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(stderr).toBe('');
      expect(stdout).toBe('');
    } finally {
      await service.stop();
      await config.close();
    }
  }, 120_000);
});
