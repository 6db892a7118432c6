import { ConfigError } from '../errors.ts';

/** The error of anything asked of a closed loader. */
export const closedError = (): ConfigError => new ConfigError('the config is closed', { code: 'CLOSED' });
