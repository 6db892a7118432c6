// The Popular service with etcd as both its configuration store and its registry.
//
//   ETCD_ENDPOINTS=http://127.0.0.1:2379 npm run example:etcd-service
//   etcdctl put /popular/config/handlers/popular/greeting '"Hello"'   # the next answer changes
//
// With --demo (`npm run example:etcd-service -- --demo`) it changes the greeting itself with etcd's client, calls
// the service before and after, and exits.
import { Etcd3 } from 'etcd3';
import { createConfig, etcdSource, memorySource } from 'microconf';
import { createClient, createService } from 'microconf/service';
import { reach } from '../shared/reach.ts';

const hosts = process.env.ETCD_ENDPOINTS ?? 'http://127.0.0.1:2379';
const etcd = new Etcd3({ hosts, dialTimeout: 3000 });

const config = await reach('etcd', hosts, 'start etcd or set ETCD_ENDPOINTS', async () => {
  await etcd.put('/popular/config/handlers/popular/greeting').value('"Ping"');
  return createConfig({
    sources: [
      // Where to find etcd comes from the program; everything else lives in etcd.
      memorySource({ registry: 'etcd', registries: { etcd: { hosts, prefix: '/popular/registry' } }, server: { ttl: '5s' } }, { name: 'bootstrap' }),
      etcdSource({ prefix: '/popular/config', hosts }),
    ],
  });
});
const service = createService({ name: 'popular', config }).handle('Popular', {
  async ping(request, ctx) {
    return { message: `${ctx.options.get('greeting').string('Ping')} ${(request as { name: string }).name}` };
  },
});
service.on('registered', (registry, node) => console.log(`registered in ${registry} at ${node.address}`));
await service.start();
const client = createClient({ config });
const ping = async () => console.log((await client.call<{ message: string }>('popular', 'Popular.Ping', { name: 'winyh' })).message);

if (process.argv.includes('--demo')) {
  await ping();
  const changed = new Promise((resolve) => config.watch('handlers.popular.greeting').on('change', resolve));
  await etcd.put('/popular/config/handlers/popular/greeting').value('"Hello"');
  await changed;
  await ping();
  await service.stop();
  await client.close();
  await config.close();
  await etcd.delete().prefix('/popular/');
  etcd.close();
} else {
  const timer = setInterval(() => void ping().catch((error: Error) => console.error(error.message)), 1000);
  process.once('SIGINT', () => {
    clearInterval(timer);
    void service.stop().then(() => Promise.all([client.close(), config.close()])).then(() => etcd.close());
  });
}
