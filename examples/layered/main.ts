// Layers, lowest first: defaults < config.yaml < .env < environment (APP_*) < command-line flags.
// Run it with overrides to see where each value comes from:
//   APP_SERVER_PORT=8081 npm run example:layered -- --server-port 9090 --registry consul
import { fileURLToPath } from 'node:url';
import { createConfig, envSource, fileSource, flagsSource, type Explanation } from 'microconf';

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));

const config = await createConfig({
  defaults: { server: { port: 80, host: '127.0.0.1' }, registry: 'memory', database: { pool: 1 }, greeting: 'Hello' },
  sources: [
    fileSource({ path: here('config.yaml'), name: 'file:config.yaml' }),
    // .env as its own layer (env: {} keeps the real environment out of it), so explain can tell the two apart.
    envSource({ name: 'dotenv:.env', files: [here('.env')], env: {}, strippedPrefix: 'APP' }),
    envSource({ name: 'env', strippedPrefix: 'APP' }),
    flagsSource(),
  ],
});

const describe = (leaf: Explanation) => {
  const over = leaf.overridden.map((o) => `${o.source}: ${JSON.stringify(o.value)}`).join(', ');
  return `${leaf.path} = ${JSON.stringify(leaf.value)}  <- ${leaf.source}${over ? `  (over ${over})` : ''}`;
};

for (const leaf of config.explain().leaves ?? []) console.log(describe(leaf));
console.log(`server listens on ${config.get('server.host').string()}:${config.get('server.port').int(0)}`);
await config.close();
