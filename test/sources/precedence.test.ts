import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runScript } from '../helpers/process.ts';

const layered = fileURLToPath(new URL('../../examples/layered/main.ts', import.meta.url));
const quickstart = fileURLToPath(new URL('../../examples/quickstart.ts', import.meta.url));

/** The environment of a child, without any APP_ or MICRO_ variable of ours. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(APP|MICRO)_/.test(key)));
  return { ...env, ...extra };
}

describe('defaults < file < .env < environment < flags, in a real process', () => {
  it('takes each value from the highest layer that sets it, and explains it', async () => {
    const { stdout, code, stderr } = await runScript(layered, {
      env: cleanEnv({ APP_SERVER_PORT: '8081', APP_REGISTRY: 'etcd', APP_DATABASE_URL: 'postgres://${MICROCONF_UNSET_HOST:-localhost}/app' }),
      args: ['--server-port', '9090', '--greeting=from flags'],
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toContain('server.port = "9090"  <- flags:--server-port  (over env:APP_SERVER_PORT: "8081", dotenv:.env:APP_SERVER_PORT: "8080", file:config.yaml: 3000, defaults: 80)');
    expect(lines).toContain('registry = "etcd"  <- env:APP_REGISTRY  (over file:config.yaml: "mdns", defaults: "memory")');
    expect(lines).toContain('database.pool = "4"  <- dotenv:.env:APP_DATABASE_POOL  (over file:config.yaml: 10, defaults: 1)');
    // Environment values are literal: `${…}` in one is not expanded.
    expect(lines).toContain('database.url = "postgres://${MICROCONF_UNSET_HOST:-localhost}/app"  <- env:APP_DATABASE_URL  (over file:config.yaml: "postgres://db.internal:5432/app")');
    expect(lines).toContain('greeting = "from flags"  <- flags:--greeting  (over dotenv:.env:APP_GREETING: "Hello from .env", file:config.yaml: "Hello from config.yaml", defaults: "Hello")');
    expect(lines).toContain('server.host = "0.0.0.0"  <- file:config.yaml  (over defaults: "127.0.0.1")');
    expect(lines.at(-1)).toBe('server listens on 0.0.0.0:9090');
  });

  it('falls back layer by layer when nothing overrides', async () => {
    const { stdout } = await runScript(layered, { env: cleanEnv({}) });
    expect(stdout).toContain('server.port = "8080"  <- dotenv:.env:APP_SERVER_PORT');
    expect(stdout).toContain('server listens on 0.0.0.0:8080');
  });

  it('runs the quickstart, with an override from the environment', async () => {
    const { stdout, code } = await runScript(quickstart, { env: cleanEnv({ MICRO_REGISTRY: 'etcd' }) });
    expect(code).toBe(0);
    expect(stdout).toContain('registry: etcd  (from env:MICRO_REGISTRY)');
    expect(stdout).toContain('greeting is now: Pong');
  });
});
