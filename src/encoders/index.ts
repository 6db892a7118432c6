import { ConfigError } from '../errors.ts';
import type { BuiltinEncoder } from './encoder.ts';
import { jsonEncoder } from './json.ts';

export type { BuiltinEncoder } from './encoder.ts';

// YAML costs ~45 ms to import and TOML a little less: they load on first use, so `import 'microconf'` stays cheap.
const loaders: Readonly<Record<string, () => Promise<BuiltinEncoder>>> = {
  json: async () => jsonEncoder,
  yaml: async () => (await import('./yaml.ts')).yamlEncoder,
  toml: async () => (await import('./toml.ts')).tomlEncoder,
  dotenv: async () => (await import('./dotenv.ts')).dotenvEncoder,
  json5: async () => (await import('./json5.ts')).json5Encoder,
};

const aliases: Readonly<Record<string, string>> = { yml: 'yaml', env: 'dotenv', jsonc: 'json5' };

/** The canonical format name for a name or file extension (`yml` → `yaml`, `env` → `dotenv`), or undefined. */
export function formatName(name: string): string | undefined {
  const lower = name.toLowerCase();
  const canonical = Object.hasOwn(aliases, lower) ? aliases[lower]! : lower;
  return Object.hasOwn(loaders, canonical) ? canonical : undefined;
}

/** The formats microconf decodes. */
export const formats: readonly string[] = Object.freeze(Object.keys(loaders));

/** Loads the encoder for a format (or alias); rejects with a ConfigError (FORMAT) for an unknown one. */
export async function loadEncoder(format: string): Promise<BuiltinEncoder> {
  const canonical = formatName(format);
  if (canonical === undefined) {
    throw new ConfigError(`no encoder for format "${format}" (known: ${formats.join(', ')})`, { code: 'FORMAT' });
  }
  return loaders[canonical]!();
}
