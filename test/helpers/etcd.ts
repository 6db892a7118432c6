import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.ts';

/** A real etcd on loopback ports, with a temporary data directory. */
export interface EtcdServer {
  /** The client URL (`http://127.0.0.1:port`). */
  readonly endpoint: string;
  /** Starts it again on the same ports and data directory (after `kill`); nothing when it runs. */
  start(): Promise<void>;
  /** Kills it with SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Kills it and starts a fresh one with empty data on the same ports, as replacing a cluster would. */
  replace(): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  /** Lets a frozen server go on (SIGCONT). */
  resume(): void;
  /** Stops it and removes its data. */
  dispose(): Promise<void>;
}

/**
 * Starts etcd (Debian's etcd-server) on free 127.0.0.1 ports. It runs under `timeout` (for `lifetime` seconds,
 * default 600, from each start), so it stops by itself even if the test process dies, and in its own process
 * group, so a kill reaches etcd itself.
 */
export async function startEtcd(options: { lifetime?: number } = {}): Promise<EtcdServer> {
  // Ports found free a moment ago may be taken meanwhile by another test's server: then others are picked.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startEtcdOnFreePorts(options.lifetime ?? 600);
    } catch (error) {
      if (!/address already in use/.test(String(error)) || attempt >= 3) throw error;
    }
  }
}

async function startEtcdOnFreePorts(lifetime: number): Promise<EtcdServer> {
  const data = await mkdtemp(join(tmpdir(), 'microconf-etcd-'));
  const [client, peer] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${client}`;
  let child: ChildProcess | undefined;
  let log = '';

  const args = [
    String(lifetime), 'etcd', '--name', 'test', '--data-dir', join(data, 'member'),
    '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
    '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-cluster', `test=http://127.0.0.1:${peer}`, '--initial-cluster-state', 'new',
    '--heartbeat-interval', '10', '--election-timeout', '100', '--log-level', 'warn',
  ];

  /** `busyFor`: how long a port still held (by the process just killed) is waited for. */
  async function start(busyFor = 15_000): Promise<void> {
    if (child && child.exitCode === null) return;
    const busyUntil = Date.now() + busyFor;
    for (;;) {
      const deadline = Date.now() + 15_000;
      log = '';
      const running = spawn('timeout', args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
      child = running;
      const closed = new Promise((resolve) => running.once('close', resolve));
      running.stderr?.on('data', (chunk: Buffer) => {
        log = (log + chunk.toString()).slice(-4000);
      });
      while (running.exitCode === null && Date.now() <= deadline) {
        try {
          const response = await fetch(`${endpoint}/health`);
          if (response.ok) return;
        } catch {
          // not up yet
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      if (running.exitCode !== null) await closed; // its whole stderr is in the log
      // A port still held for a moment by the process just killed is worth another try; anything else is not.
      const busy = running.exitCode !== null && /address already in use/.test(log);
      if (!busy || Date.now() > busyUntil || Date.now() > deadline) {
        await kill();
        throw new Error(`etcd did not start: ${log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async function kill(): Promise<void> {
    const running = child;
    child = undefined;
    if (!running?.pid || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    process.kill(-running.pid, 'SIGKILL');
    await exited;
  }

  try {
    await start(0);
  } catch (error) {
    await rm(data, { recursive: true, force: true });
    throw error;
  }
  return {
    endpoint,
    start: () => start(),
    kill,
    async replace() {
      await kill();
      await rm(join(data, 'member'), { recursive: true, force: true });
      await start();
    },
    pause() {
      if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGSTOP');
    },
    resume() {
      if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGCONT');
    },
    async dispose() {
      await kill();
      await rm(data, { recursive: true, force: true });
    },
  };
}
