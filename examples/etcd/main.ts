// A service whose configuration lives in etcd under /demo/config, printing each change as it arrives.
//
//   ETCD_ENDPOINTS=http://127.0.0.1:2379 npm run example:etcd
//   etcdctl put /demo/config/greeting '"Hi"'        # in another terminal: the program prints the change
//
// With --demo (`npm run example:etcd -- --demo`) it makes a few changes itself with etcd's own client, prints them,
// and exits.
import { Etcd3 } from 'etcd3';
import { demo, printChanges } from '../shared/follow.ts';
import { reach } from '../shared/reach.ts';
import { createConfig, etcdSource } from 'microconf';

const hosts = process.env.ETCD_ENDPOINTS ?? 'http://127.0.0.1:2379';
const prefix = '/demo/config';
const etcd = new Etcd3({ hosts, dialTimeout: 3000 });

const config = await reach('etcd', hosts, 'start etcd or set ETCD_ENDPOINTS', async () => {
  // Seed the store the way an operator would, unless it already holds configuration.
  if (Object.keys(await etcd.getAll().prefix(prefix).strings()).length === 0) {
    await etcd.put(`${prefix}/greeting`).value('"Hello"');
    await etcd.put(`${prefix}/server.yaml`).value('port: 8080\nhost: 127.0.0.1\n');
  }
  return createConfig({ defaults: { greeting: 'Hi', server: { port: 80 } }, sources: [etcdSource({ prefix, hosts })] });
});
printChanges(config);

if (process.argv.includes('--demo')) {
  await demo(config, [
    async () => await etcd.put(`${prefix}/greeting`).value('"Bonjour"'),
    async () => await etcd.put(`${prefix}/server.yaml`).value('port: 9090\nhost: 127.0.0.1\n'),
    async () => await etcd.delete().key(`${prefix}/greeting`),
  ]);
  await config.close();
  await etcd.delete().prefix(`${prefix}/`);
  etcd.close();
} else {
  process.once('SIGINT', () => void config.close().then(() => etcd.close()));
}
