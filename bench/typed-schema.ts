// A generated configuration schema for the typed-read benchmarks: the same leaves as zod source text (for the
// compiler), as a TypeScript interface, and as a live zod schema with data that passes it (for run-time reads).
import { z } from 'zod';
import { random } from '../test/helpers/random.ts';

type Kind = 'string' | 'number' | 'boolean' | 'enum' | 'optional' | 'list';
const KINDS: readonly Kind[] = ['string', 'number', 'boolean', 'enum', 'optional', 'list'];

/** One leaf: its path and what it holds. */
export interface SchemaLeaf {
  readonly path: readonly string[];
  readonly kind: Kind;
}

/** A nested description of the leaves, as the schema and the data are built from it. */
type Spec = { [key: string]: Spec | Kind };

/** `count` leaves, every one `depth` levels down: each level's fan-out is the smallest that reaches the count. */
export function schemaLeaves(count: number, depth: number): SchemaLeaf[] {
  const fan = Math.ceil(count ** (1 / depth));
  const leaves: SchemaLeaf[] = [];
  for (let index = 0; leaves.length < count; index++) {
    const path: string[] = [];
    let rest = index;
    for (let level = depth - 1; level >= 0; level--) {
      path.unshift(level === depth - 1 ? `key${rest % fan}` : `group${level}_${rest % fan}`);
      rest = Math.floor(rest / fan);
    }
    leaves.push({ path, kind: KINDS[index % KINDS.length]! });
  }
  return leaves;
}

function nest(leaves: readonly SchemaLeaf[]): Spec {
  const root: Spec = {};
  for (const leaf of leaves) {
    let node = root;
    leaf.path.slice(0, -1).forEach((segment) => {
      node = (node[segment] ??= {}) as Spec;
    });
    node[leaf.path.at(-1)!] = leaf.kind;
  }
  return root;
}

const ZOD_TEXT: Record<Kind, string> = {
  string: 'z.string()',
  number: 'z.coerce.number()',
  boolean: 'z.boolean()',
  enum: "z.enum(['a', 'b'])",
  optional: 'z.string().optional()',
  list: 'z.array(z.string())',
};
const TS_TEXT: Record<Kind, string> = {
  string: 'string',
  number: 'number',
  boolean: 'boolean',
  enum: "'a' | 'b'",
  optional: 'string | undefined',
  list: 'string[]',
};

/** The schema as zod source text. */
export function zodSource(leaves: readonly SchemaLeaf[]): string {
  const render = (spec: Spec): string =>
    `z.object({ ${Object.entries(spec)
      .map(([key, child]) => `${key}: ${typeof child === 'string' ? ZOD_TEXT[child] : render(child)}`)
      .join(', ')} })`;
  return render(nest(leaves));
}

/** The schema's output as a TypeScript type literal. */
export function typeSource(leaves: readonly SchemaLeaf[]): string {
  const render = (spec: Spec): string =>
    `{ ${Object.entries(spec)
      .map(([key, child]) => `${key}${child === 'optional' ? '?' : ''}: ${typeof child === 'string' ? TS_TEXT[child] : render(child)}`)
      .join('; ')} }`;
  return render(nest(leaves));
}

const ZOD: Record<Kind, () => z.ZodType> = {
  string: () => z.string(),
  number: () => z.coerce.number(),
  boolean: () => z.boolean(),
  enum: () => z.enum(['a', 'b']),
  optional: () => z.string().optional(),
  list: () => z.array(z.string()),
};
// Numbers as an environment would give them: strings the schema coerces.
const DATA: Record<Kind, unknown> = { string: 'text', number: '42', boolean: true, enum: 'a', optional: 'set', list: ['x', 'y'] };

/** The live schema and a document that passes it. */
export function liveSchema(leaves: readonly SchemaLeaf[]): { schema: z.ZodType; data: Record<string, unknown> } {
  const build = (spec: Spec): z.ZodType =>
    z.object(Object.fromEntries(Object.entries(spec).map(([key, child]) => [key, typeof child === 'string' ? ZOD[child]() : build(child)])));
  const fill = (spec: Spec): Record<string, unknown> =>
    Object.fromEntries(Object.entries(spec).map(([key, child]) => [key, typeof child === 'string' ? DATA[child] : fill(child)]));
  const spec = nest(leaves);
  return { schema: build(spec), data: fill(spec) };
}

/** `count` leaves picked with a fixed seed, as the reads of a program. */
export function sampleLeaves(leaves: readonly SchemaLeaf[], count: number, seed = 15): SchemaLeaf[] {
  const next = random(seed);
  return Array.from({ length: count }, () => leaves[Math.floor(next() * leaves.length)]!);
}
