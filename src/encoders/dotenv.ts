import { parse } from 'dotenv';
import { envKeyToSegments, unflatten } from '../reader/keys.ts';
import type { BuiltinEncoder } from './encoder.ts';

/** The variables of a .env text as a flat name → value record (dotenv's grammar; nothing is executed). */
export function parseDotenv(text: string): Record<string, string> {
  return parse(text);
}

/** A .env document as a config layer: names map to paths as the environment's do (`DB_HOST` → `db.host`). */
export const dotenvEncoder: BuiltinEncoder = {
  format: 'dotenv',
  decode(text) {
    const vars = parseDotenv(text);
    return unflatten(Object.keys(vars).map((name) => ({ segments: envKeyToSegments(name), value: vars[name]! })));
  },
};
