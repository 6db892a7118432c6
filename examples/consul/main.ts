// A service whose configuration lives in Consul's KV store under demo/config, printing each change.
//
//   CONSUL_HTTP_ADDR=127.0.0.1:8500 npm run example:consul
//   consul kv put demo/config/greeting '"Hi"'       # in another terminal: the program prints the change
//
// With --demo (`npm run example:consul -- --demo`) it makes a few changes itself with the `consul` client, prints them,
// and exits.
import Consul from 'consul';
import { demo, printChanges } from '../shared/follow.ts';
import { reach } from '../shared/reach.ts';
import { consulSource, createConfig } from 'microconf';

const address = process.env.CONSUL_HTTP_ADDR ?? '127.0.0.1:8500';
const url = new URL(/^https?:\/\//.test(address) ? address : `http://${address}`);
const token = process.env.CONSUL_HTTP_TOKEN;
const consul = new Consul({ host: url.hostname, port: Number(url.port || 8500), defaults: token ? { token } : {} });
const prefix = 'demo/config';

const config = await reach('Consul', url.host, 'start an agent (consul agent -dev) or set CONSUL_HTTP_ADDR', async () => {
  // Seed the store the way an operator would, unless it already holds configuration.
  if (!(await consul.kv.get({ key: `${prefix}/`, recurse: true }))) {
    await consul.kv.set(`${prefix}/greeting`, '"Hello"');
    await consul.kv.set(`${prefix}/server.yaml`, 'port: 8080\nhost: 127.0.0.1\n');
  }
  return createConfig({ defaults: { greeting: 'Hi', server: { port: 80 } }, sources: [consulSource({ prefix, address })] });
});
printChanges(config);

if (process.argv.includes('--demo')) {
  await demo(config, [
    () => consul.kv.set(`${prefix}/greeting`, '"Bonjour"'),
    () => consul.kv.set(`${prefix}/server.yaml`, 'port: 9090\nhost: 127.0.0.1\n'),
    () => consul.kv.del(`${prefix}/greeting`),
  ]);
  await config.close();
  await consul.kv.del({ key: `${prefix}/`, recurse: true });
  consul.destroy();
} else {
  process.once('SIGINT', () => void config.close().then(() => consul.destroy()));
}
