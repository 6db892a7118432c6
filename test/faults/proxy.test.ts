// The fault proxy itself: whatever it does to a connection, it never reorders the bytes it delivers (TCP does not),
// or a test would blame a source for a stream no network could produce.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy, type FaultProxy } from '../helpers/proxy.ts';

/** A server that keeps, per connection, what it received. */
async function sink(): Promise<{ server: Server; port: number; received: () => string; next: () => Promise<void> }> {
  let text = '';
  let waiting: (() => void) | undefined;
  const server = createServer((socket) => {
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      waiting?.();
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    server,
    port,
    received: () => text,
    next: () => new Promise<void>((resolve) => (waiting = resolve)),
  };
}

const send = (socket: Socket, text: string) => new Promise<void>((resolve) => socket.write(text, () => resolve()));
/** Waits until the server has received `length` characters. */
async function until(target: Awaited<ReturnType<typeof sink>>, length: number): Promise<string> {
  while (target.received().length < length) await target.next();
  return target.received();
}

describe('the fault proxy', () => {
  let target: Awaited<ReturnType<typeof sink>>;
  let proxy: FaultProxy;
  let client: Socket;
  beforeAll(async () => {
    target = await sink();
    proxy = await startProxy(target.port);
    client = connect(Number(new URL(proxy.url).port), '127.0.0.1');
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  });
  afterAll(async () => {
    client?.destroy();
    await proxy?.close();
    await new Promise<void>((resolve) => target?.server.close(() => resolve()));
  });

  it('delivers bytes sent after a delay ends behind those still delayed', async () => {
    proxy.delay(200);
    await send(client, 'a');
    // Give the proxy time to take the chunk (it is delayed, not yet delivered), then end the delay.
    await new Promise((resolve) => setTimeout(resolve, 20));
    proxy.heal();
    await send(client, 'b');
    expect(await until(target, 2)).toBe('ab');
  });

  it('delivers bytes held by a stall behind those still delayed, and later ones behind both', async () => {
    proxy.delay(200);
    await send(client, 'c');
    await new Promise((resolve) => setTimeout(resolve, 20));
    proxy.heal();
    proxy.stall('up');
    await send(client, 'd');
    await new Promise((resolve) => setTimeout(resolve, 20));
    proxy.heal();
    await send(client, 'e');
    expect(await until(target, 5)).toBe('abcde');
  });
});
