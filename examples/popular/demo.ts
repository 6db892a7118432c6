// The whole walkthrough in one process, with nothing to install (`npm run example`): start the Popular service,
// call it, edit the greeting in its config file and see the next answer change, switch the registry in the file
// and see the service re-register — no restart.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'microconf/service';
import { popularConfig, popularService } from './popular.ts';

const dir = await mkdtemp(join(tmpdir(), 'popular-'));
const file = join(dir, 'config.yaml');
const original = await readFile(fileURLToPath(new URL('config.yaml', import.meta.url)), 'utf8');
// Start in the in-process registry; the file's mdns section stays for the switch below.
await writeFile(file, original.replace(/^registry: \w+/m, 'registry: memory'));

const config = await popularConfig(file, []);
const service = popularService(config);
const registered = new Promise<void>((resolve) => service.on('registered', (registry, node) => {
  console.log(`[service] registered in ${registry} at ${node.address}`);
  if (registry === 'mdns') resolve();
}));
service.on('deregistered', (registry) => console.log(`[service] deregistered from ${registry}`));
try {
  await service.start();
} catch (error) {
  console.error(`popular: ${(error as Error).message}`);
  await config.close();
  await rm(dir, { recursive: true, force: true });
  process.exit(1);
}
const client = createClient({ config });
const ping = async () => {
  const { message } = await client.call<{ message: string }>('popular', 'Popular.Ping', { name: 'winyh' });
  console.log(`[client] Popular.Ping → ${message}`);
};

await ping();

console.log('[you] edit config.yaml: greeting Ping → Hello');
const greeting = new Promise((resolve) => config.watch('handlers.popular.greeting').on('change', resolve));
await writeFile(file, (await readFile(file, 'utf8')).replace(/greeting: \w+/, 'greeting: Hello'));
await greeting;
await ping();

console.log('[you] edit config.yaml: registry memory → mdns (on loopback)');
await writeFile(file, (await readFile(file, 'utf8')).replace(/^registry: \w+/m, 'registry: mdns'));
await registered;
await ping();

await service.stop();
await client.close();
await config.close();
await rm(dir, { recursive: true, force: true });
