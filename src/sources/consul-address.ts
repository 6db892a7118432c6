import { ConfigError } from '../errors.ts';

/**
 * A Consul agent's address (`host:port`, or a URL with its scheme) as a URL. One that does not parse is an
 * INVALID_OPTION error for `what` that does not quote it: an address may carry credentials.
 */
export function consulUrl(address: string, what: string): URL {
  const withScheme = /^[a-z]+:\/\//i.test(address) ? address : `http://${address}`;
  if (!URL.canParse(withScheme)) throw new ConfigError(`${what}: the Consul address is neither host:port nor a URL`, { code: 'INVALID_OPTION' });
  return new URL(withScheme);
}
