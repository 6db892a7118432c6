// microconf in one screen: defaults, a memory source and the environment, a typed read, a live change and its
// watcher. Try it with an override from the environment:  MICRO_REGISTRY=etcd npm run quickstart
import { createConfig, envSource, memorySource } from 'microconf';

const runtime = memorySource({ handlers: { popular: { greeting: 'Ping' } } }, { name: 'runtime' });

const config = await createConfig({
  defaults: { registry: 'mdns', server: { address: '127.0.0.1:0' }, client: { timeout: '5s' } },
  sources: [runtime, envSource({ strippedPrefix: 'MICRO' })],
});

console.log(`registry: ${config.get('registry').string('mdns')}  (from ${config.explain('registry').source})`);
console.log(`client timeout: ${config.get('client.timeout').duration(1000)} ms`);
console.log(`greeting: ${config.get('handlers.popular.greeting').string('Hello')}  (version ${config.snapshot().version})`);

const watcher = config.watch('handlers.popular');
const changed = new Promise<void>((resolve) =>
  watcher.on('change', (options, change) => {
    console.log(`handlers.popular changed in version ${change.version}:`, change.previous, '->', change.current);
    console.log(`greeting is now: ${options.get('greeting').string('Hello')}`);
    resolve();
  }),
);

runtime.set('handlers.popular.greeting', 'Pong');
await changed;

await config.close();
