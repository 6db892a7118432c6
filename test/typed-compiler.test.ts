// What a TypeScript user sees of a typed config: the compiler's message for a wrong path, and the editor's
// completions as a path is typed (through the same language service editors use).
import { beforeAll, describe, expect, it } from 'vitest';
import { probe } from './helpers/typescript.ts';

const program = `
import { z } from 'zod';
import { createConfig } from '../src/index.ts';
const schema = z.object({
  registry: z.enum(['mdns', 'etcd']),
  hosts: z.object({ database: z.object({ host: z.string(), port: z.coerce.number() }), cache: z.object({ port: z.number() }) }),
  services: z.record(z.string(), z.object({ url: z.string() })),
});
const config = await createConfig({ schema });
config.get('hosts.databse.port');
config.get('hosts', 'databse');
config.get('hosts.database.port.value');
config.watch('hosts.dtabase');
config.explain('registy');
config.get('/*@top*/');
config.get('hosts./*@second*/');
config.get('hosts.database/*@deeper*/');
config.get('hosts', '/*@segment*/');
config.get('services.api./*@record*/');
config.watch('hosts./*@watch*/');
`;

// One language service answers every case: building it type-checks the library and zod, seconds of work.
let diagnostics: string[];
let completions: Map<string, string[]>;
beforeAll(() => {
  const seen = probe(program);
  diagnostics = seen.diagnostics();
  completions = new Map(['top', 'second', 'deeper', 'segment', 'record', 'watch'].map((marker) => [marker, seen.completions(marker).sort()]));
}, 180_000);

describe('the compiler on a typed config', () => {
  it('refuses a wrong path with a message naming it and the paths it could have been', () => {
    const errors = diagnostics.filter((line) => /^1[0-4]: /.test(line));
    expect(errors).toEqual([
      `10: TS2345 Argument of type '"hosts.databse.port"' is not assignable to parameter of type '"hosts.database" | "hosts.cache"'.`,
      `11: TS2345 Argument of type '"databse"' is not assignable to parameter of type '"database" | "cache"'.`,
      `12: TS2345 Argument of type '"hosts.database.port.value"' is not assignable to parameter of type '"hosts.database.port"'.`,
      `13: TS2345 Argument of type '"hosts.dtabase"' is not assignable to parameter of type '"hosts.database" | "hosts.cache" | undefined'.`,
      `14: TS2345 Argument of type '"registy"' is not assignable to parameter of type '"registry" | "hosts" | "services"'.`,
    ]);
  });

  it('completes paths segment by segment, as they are typed', () => {
    // '' is the root, a path like the others.
    expect(completions.get('top')).toEqual(['', 'hosts', 'registry', 'services']);
    expect(completions.get('second')).toEqual(['hosts.cache', 'hosts.database']);
    expect(completions.get('deeper')).toEqual(['hosts.database', 'hosts.database.host', 'hosts.database.port']);
    expect(completions.get('segment')).toEqual(['cache', 'database']);
    expect(completions.get('record')).toEqual(['services.api.url']);
    expect(completions.get('watch')).toEqual(['hosts.cache', 'hosts.database']);
    // The schema and the config above the probes compile cleanly.
    expect(diagnostics.filter((line) => Number(line.split(':')[0]) < 10)).toEqual([]);
  });
});
