// mDNS with no interface configured, in a network namespace of its own (`unshare -n`) where a veth pair stands in
// for eth0 and carries the default route: nothing can leave the machine, and the veth's counters show what would
// have. A service bound to loopback sends nothing there and binds its socket to the group address, not to every
// address; a service bound to every interface does use it (which shows the counter sees mDNS traffic).
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('mdns-netns.ts', import.meta.url));
const loader = fileURLToPath(new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url));

/** Whether this machine lets a test make a network namespace with a veth pair (root, or user namespaces). */
function namespacesWork(): boolean {
  try {
    execFileSync('unshare', ['-n', 'sh', '-c', 'ip link add v0 type veth peer name v1'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const available = namespacesWork();
if (!available && process.env.MICROCONF_REQUIRE_SERVERS === '1') throw new Error('unshare -n with a veth pair is required in CI');

/** Runs the probe script in a fresh namespace: lo, and v0 (192.0.2.9/24, the default route) paired with v1. */
function probe(...args: string[]): Record<string, unknown> {
  const setup = [
    'ip link set lo up',
    'ip link add v0 type veth peer name v1',
    // IPv6 off on the pair: the kernel's own router solicitations and MLD reports would count as sent packets.
    'echo 1 > /proc/sys/net/ipv6/conf/v0/disable_ipv6',
    'echo 1 > /proc/sys/net/ipv6/conf/v1/disable_ipv6',
    'ip addr add 192.0.2.9/24 dev v0',
    'ip link set v1 up',
    'ip link set v0 up',
    'ip route add default dev v0',
  ].join(' && ');
  const node = [process.execPath, '--import', loader, script, ...args].map((part) => `'${part}'`).join(' ');
  const run = spawnSync('unshare', ['-n', 'sh', '-c', `${setup} && ${node}`], { encoding: 'utf8', timeout: 60_000 });
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new Error(`the probe printed no result: ${run.stdout}${run.stderr}`);
  }
}

describe.runIf(available)('mDNS and the server address', () => {
  it('stays on loopback when the server is bound to loopback: nothing sent elsewhere, the socket bound to the group', () => {
    for (const address of ['127.0.0.1:0', '[::1]:0']) {
      const result = probe(address);
      // Two sockets: the service's registry and the one looking it up.
      expect(result).toMatchObject({ started: true, sent: 0, sockets: ['224.0.0.251', '224.0.0.251'] });
      expect(result.found).toEqual([expect.stringMatching(address.startsWith('[') ? /^\[::1\]:\d+$/ : /^127\.0\.0\.1:\d+$/)]);
    }
  }, 120_000);

  it('uses every interface when the server is bound to every interface', () => {
    const result = probe('0.0.0.0:0');
    expect(result.started).toBe(true);
    expect(result.sent).toBeGreaterThan(0);
    expect(result.sockets).toEqual(['0.0.0.0', '0.0.0.0']);
    // Advertised on the external address, never as 0.0.0.0.
    expect(result.found).toEqual([expect.stringMatching(/^192\.0\.2\.9:\d+$/)]);
  }, 60_000);

  it('refuses to start on an interface address this host does not have, naming the registry', () => {
    const result = probe('127.0.0.1:0', '192.0.2.254');
    expect(result).toMatchObject({ started: false, error: 'RegistryError', sent: 0 });
    expect(result.message).toMatch(/^mdns registry at 224\.0\.0\.251:15353 on 192\.0\.2\.254 is unreachable \(E[A-Z]+\): could not register probe$/);
  }, 60_000);
});
