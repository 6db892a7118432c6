import { execFileSync } from 'node:child_process';

/**
 * True when the machine has the command. `MICROCONF_HIDE_SERVERS=etcd` (a comma-separated list) makes the tests
 * behave as on a machine without those commands, to check that the suite passes there too.
 */
export function hasCommand(command: string): boolean {
  if ((process.env.MICROCONF_HIDE_SERVERS ?? '').split(',').includes(command)) return false;
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether tests needing a server run. In CI (`MICROCONF_REQUIRE_SERVERS=1`, set by .ci/run) a missing server is a
 * failure, never a skip.
 */
export function serverAvailable(command: string): boolean {
  const found = hasCommand(command);
  if (!found && process.env.MICROCONF_REQUIRE_SERVERS === '1') {
    throw new Error(`${command} is required (MICROCONF_REQUIRE_SERVERS=1) but is not installed`);
  }
  return found;
}
