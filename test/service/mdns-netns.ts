// Run inside a network namespace of its own (see mdns-loopback.test.ts): starts a service whose registry is mDNS
// with no interface configured, looks it up, and prints what left through the namespace's "external" interface
// (a veth standing in for eth0) and what the mDNS socket is bound to.
import { readFileSync } from 'node:fs';
import { createConfig, memorySource } from '../../src/index.ts';
import { createRegistry, createService, registrySpec } from '../../src/service/index.ts';

const [serverAddress = '127.0.0.1:0', mdnsInterface] = process.argv.slice(2);
const port = 15_353;
/** Packets sent through v0, from this namespace's /proc/net/dev (sysfs shows the host's). */
const txPackets = () => {
  const line = readFileSync('/proc/net/dev', 'utf8').split('\n').find((row) => row.trim().startsWith('v0:'));
  return Number(line?.split(':')[1]?.trim().split(/\s+/)[9]);
};
/** Local addresses of UDP sockets on the mDNS port, as /proc/net/udp shows them (hex, little-endian IPv4). */
const boundTo = () =>
  readFileSync('/proc/net/udp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/)[1] ?? '')
    .filter((local) => local.endsWith(`:${port.toString(16).toUpperCase()}`))
    .map((local) => local.split(':')[0]!.match(/../g)!.reverse().map((byte) => parseInt(byte, 16)).join('.'));

const config = await createConfig({
  sources: [memorySource({ registry: 'mdns', registries: { mdns: { port, ...(mdnsInterface ? { interface: mdnsInterface } : {}) } }, server: { address: serverAddress } })],
});
const before = txPackets();
const service = createService({ name: 'probe', config }).handle('Probe', { ping: async () => 'pong' });
try {
  await service.start();
  const registry = createRegistry(registrySpec(config), config);
  // A lookup collects answers for 100 ms; on a busy machine the answer can come later, so look again a while.
  let found = await registry.lookup('probe');
  for (let tries = 0; found.length === 0 && tries < 50; tries++) found = await registry.lookup('probe');
  const sockets = boundTo();
  await registry.close();
  await service.stop();
  console.log(JSON.stringify({ started: true, found: found.map((node) => node.address), sockets, sent: txPackets() - before }));
} catch (error) {
  console.log(JSON.stringify({ started: false, error: (error as Error).name, message: (error as Error).message, sent: txPackets() - before }));
}
await config.close();
