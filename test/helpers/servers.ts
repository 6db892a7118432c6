import { execFileSync } from 'node:child_process';

/** True when the machine has the command. */
export function hasCommand(command: string): boolean {
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
