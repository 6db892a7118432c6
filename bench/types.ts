// Typed reads: what they cost the compiler (tsc wall time on generated programs) and the run time (typed and untyped
// reads side by side).
//   node --expose-gc --import tsx bench/types.ts            full; updates bench/RESULTS.md
//   node --expose-gc --import tsx bench/types.ts --quick    fails when the typed reads make the
//   compiler build more than 200,000 types beyond the baseline (a count: a busy machine cannot fail it)
import { execFile } from 'node:child_process';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { do_not_optimize, measure } from 'mitata';
import { z } from 'zod';
import { createConfig, type Config } from '../src/index.ts';
import { liveSchema, sampleLeaves, schemaLeaves, typeSource, zodSource, type SchemaLeaf } from './typed-schema.ts';

const quick = process.argv.includes('--quick');
const repo = fileURLToPath(new URL('..', import.meta.url));
const tsc = join(repo, 'node_modules', 'typescript', 'lib', 'tsc.js');
const lines: { name: string; value: string; note: string }[] = [];
const record = (name: string, value: string, note = '') => {
  lines.push({ name, value, note });
  console.log(`${name.padEnd(64)} ${value.padStart(12)}  ${note}`);
};
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const GOAL_SECONDS = 2;
// The quick check's bound: types the checker builds for the 100 typed reads beyond the baseline. A count, not a time,
// so a busy CI machine cannot fail it; an approach that listed every path of the schema would build millions.
const QUICK_MAX_INSTANTIATIONS = 200_000;
const leaves = schemaLeaves(500, 6);
const reads = sampleLeaves(leaves, 100);

// ---- 1. compile time ---------------------------------------------------------------------------------------------

/** A program of 100 reads: 80 dotted leaves, 10 leaves by literal segments, 10 subtrees. */
function readsOf(config: string): string {
  return reads
    .map((leaf, i) => {
      const args = i % 10 === 8 ? leaf.path.map((segment) => `'${segment}'`).join(', ') : `'${(i % 10 === 9 ? leaf.path.slice(0, -1) : leaf.path).join('.')}'`;
      return `export const read${i} = ${config}.get(${args}).value();`;
    })
    .join('\n');
}

const header = `import { z } from 'zod';\nimport { createConfig } from 'microconf';\n`;
const programs: Record<string, string> = {
  'baseline: the schema, an untyped config': `${header}export const schema = ${zodSource(leaves)};\nconst config = await createConfig({});\n${readsOf('config')}\n`,
  'typed by the zod schema': `${header}export const schema = ${zodSource(leaves)};\nconst config = await createConfig({ schema });\n${readsOf('config')}\n`,
  'baseline: an interface, an untyped config': `${header}export type Shape = ${typeSource(leaves)};\nconst config = await createConfig({});\n${readsOf('config')}\n`,
  'typed by createConfig<Shape>()': `${header}export type Shape = ${typeSource(leaves)};\nconst config = await createConfig<Shape>({});\n${readsOf('config')}\n`,
  'a recursive schema and a 30-level shape, 40 reads': `${header}${limitsProgram()}`,
};

/** Shapes that make naive path types give up: a recursive zod schema, and paths past the checked depth. */
function limitsProgram(): string {
  const recursive = Array.from({ length: 20 }, (_, i) => `export const tree${i} = config.get('root${'.children.0'.repeat(i % 8)}.name').value();`);
  const deep = Array.from({ length: 20 }, (_, i) => `export const deep${i} = nested.get('${Array.from({ length: 10 + i }, () => 'next').join('.')}').value();`);
  return [
    'interface Node { name: string; children: Node[] }',
    'const node: z.ZodType<Node> = z.lazy(() => z.object({ name: z.string(), children: z.array(node) }));',
    "const config = await createConfig({ schema: z.object({ root: node }) });",
    'type Nested<N extends number, Acc extends unknown[] = []> = Acc["length"] extends N ? number : { next: Nested<N, [...Acc, 0]> };',
    'const nested = await createConfig<Nested<30>>({});',
    ...recursive,
    ...deep,
    '',
  ].join('\n');
}

const run = promisify(execFile);
await access(join(repo, 'dist', 'index.d.ts')).catch(() => {
  throw new Error('bench/types.ts reads the built declarations: run `npm run build` first');
});
// Inside the repository, so the programs resolve zod and microconf as a user's would; ignored by git and eslint.
const dir = await mkdtemp(join(repo, '.bench-typecheck-'));
const compileTimes = new Map<string, { wall: number[]; check: number[]; instantiations: number }>();
// The quick check (CI) times the zod pair and compiles the recursive program once; the full run times them all.
const timed = (name: string) => !quick || name.includes('zod') || name.startsWith('baseline: the schema');
try {
  const names = Object.keys(programs);
  for (const [index, name] of names.entries()) {
    await writeFile(join(dir, `program${index}.ts`), programs[name]!);
    await writeFile(
      join(dir, `tsconfig${index}.json`),
      // As a user's program sees the package: its built declarations (npm run bench builds first), not its sources.
      JSON.stringify({
        extends: join(repo, 'tsconfig.json'),
        compilerOptions: { noEmit: true, incremental: false, customConditions: [] },
        files: [`program${index}.ts`],
        include: [],
      }),
    );
    compileTimes.set(name, { wall: [], check: [], instantiations: NaN });
  }
  // Interleaved rounds, so a busy moment of the machine weighs on every program alike.
  const rounds = quick ? 3 : 5;
  for (let round = 0; round < rounds; round++) {
    for (const [index, name] of names.entries()) {
      if (round > 0 && !timed(name)) continue;
      const started = performance.now();
      const { stdout } = await run(process.execPath, [tsc, '-p', join(dir, `tsconfig${index}.json`), '--extendedDiagnostics'], {
        maxBuffer: 1 << 24,
      }).catch((error: { stdout?: string }) => {
        throw new Error(`${name} does not type-check:\n${error.stdout ?? String(error)}`);
      });
      const wall = (performance.now() - started) / 1000;
      const times = compileTimes.get(name)!;
      times.wall.push(wall);
      times.check.push(Number(/Check time:\s+([\d.]+)s/.exec(stdout)?.[1] ?? NaN));
      // The one figure no other load on the machine changes: how many types the checker had to build.
      times.instantiations = Number(/Instantiations:\s+(\d+)/.exec(stdout)?.[1] ?? NaN);
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const compiled = (name: string) => {
  const times = compileTimes.get(name)!;
  return { wall: median(times.wall), check: median(times.check), instantiations: times.instantiations };
};
const beyond = (typed: string, baseline: string) => {
  const a = compiled(typed);
  const b = compiled(baseline);
  return { wall: a.wall - b.wall, check: a.check - b.check, instantiations: a.instantiations - b.instantiations };
};
for (const name of Object.keys(programs)) {
  const { wall, check, instantiations } = compiled(name);
  record(`tsc, 500 leaves depth 6, 100 reads: ${name}`, `${wall.toFixed(2)} s`, `check ${check.toFixed(2)} s; ${instantiations} instantiations`);
}
const costs = [
  ['typed by the zod schema', beyond('typed by the zod schema', 'baseline: the schema, an untyped config')],
  ...(quick ? [] : [['typed by createConfig<Shape>()', beyond('typed by createConfig<Shape>()', 'baseline: an interface, an untyped config')] as const]),
] as const;
for (const [name, cost] of costs) {
  record(`${name}, beyond its baseline`, `${cost.wall.toFixed(2)} s`, `check ${cost.check.toFixed(2)} s; ${cost.instantiations} instantiations; goal ≤ ${GOAL_SECONDS} s`);
}

// ---- 2. run time: the same reads, typed and untyped ------------------------------------------------------------

const { schema, data } = liveSchema(leaves);
const untyped = await createConfig({ defaults: data });
const typed: Config = await createConfig({ schema: schema as z.ZodType<Record<string, unknown>>, defaults: data });
const shaped: Config = await createConfig<Record<string, unknown>>({ defaults: data });
const paths = (kind: SchemaLeaf['kind']) => leaves.filter((leaf) => leaf.kind === kind).slice(0, 16).map((leaf) => leaf.path.join('.'));
const numbers = paths('number');
const any = sampleLeaves(leaves, 16, 7).map((leaf) => leaf.path.join('.'));
for (const path of numbers) {
  if (typed.get(path).value() !== 42 || untyped.get(path).int(0) !== 42) throw new Error(`${path} does not read 42`);
}

// The best of three medians, each path read in turn (one key alone measures its hash bucket's luck).
const ns = async (config: Config, read: (config: Config, path: string) => unknown, set: readonly string[]) => {
  let best = Infinity;
  let i = 0;
  for (let round = 0; round < 3; round++) {
    const stats = await measure(() => do_not_optimize(read(config, set[i++ & 15]!)), { min_cpu_time: quick ? 40e6 : 200e6 });
    best = Math.min(best, stats.p50);
  }
  return best;
};
const cases: [string, Config, (config: Config, path: string) => unknown, readonly string[]][] = [
  ['untyped: get(path).int(0)', untyped, (config, path) => config.get(path).int(0), numbers],
  ['typed by a schema: get(path).int(0)', typed, (config, path) => config.get(path).int(0), numbers],
  ['untyped: get(path).value()', untyped, (config, path) => config.get(path).value(), any],
  ['typed by a schema: get(path).value() (the coerced output)', typed, (config, path) => config.get(path).value(), any],
  ['typed by createConfig<Shape>(): get(path).value()', shaped, (config, path) => config.get(path).value(), any],
];
const runTimes: number[] = [];
for (const [name, config, read, set] of cases) {
  const time = await ns(config, read, set);
  runTimes.push(time);
  record(`read, mean of 16 paths: ${name}`, `${time.toFixed(1)} ns`);
}
await Promise.all([untyped.close(), typed.close(), shaped.close()]);

// ---- goals and report -------------------------------------------------------------------------------------------

const missed = costs.filter(([, cost]) => cost.wall > GOAL_SECONDS);
const badly = quick
  ? costs.filter(([, cost]) => !(cost.instantiations <= QUICK_MAX_INSTANTIATIONS))
  : costs.filter(([, cost]) => cost.wall > GOAL_SECONDS * 1.5);
if (!quick) {
  const file = new URL('RESULTS.md', import.meta.url);
  const previous = await readFile(file, 'utf8').catch(() => '# Benchmark results\n');
  await writeFile(file, `${previous.replace(/\n## Typed reads\n[\s\S]*?(?=\n## |$)/, '').trimEnd()}\n\n${section()}`);
}
if (badly.length > 0) {
  console.error(
    quick
      ? `typed reads made the compiler build more than ${QUICK_MAX_INSTANTIATIONS} types beyond the baseline`
      : `typed reads cost the compiler more than ${GOAL_SECONDS * 1.5} s beyond the baseline`,
  );
  process.exitCode = 1;
}
if (missed.length > 0) console.error(`goal missed: typed reads cost the compiler more than ${GOAL_SECONDS} s beyond the baseline`);

function section(): string {
  return [
    '## Typed reads',
    '',
    'From `node --expose-gc --import tsx bench/types.ts` (part of `npm run bench`).',
    'Compile time: `tsc --noEmit` wall time (median of interleaved runs; "check" is tsc\'s own check time) of generated',
    'programs (bench/typed-schema.ts): a schema of 500 leaves six levels deep, and 100 reads of it (80 dotted',
    'leaves, 10 by literal segments, 10 subtrees), each `get(…).value()`. Each typed program is set against the same',
    'program with the config left untyped; programs import the built package, as a user\'s do. Instantiations (tsc\'s',
    'count of types built) do not move with the machine\'s load. The recursive program must type-check at all: no',
    '"excessively deep".',
    'Run time: mean read of 16 paths, typed and untyped configs of the same data (typing is compile-time only).',
    `Load average at the end of the run: ${loadavg()[0]!.toFixed(1)} (times stretch with it; instantiations do not).`,
    '',
    '| benchmark | value | note |',
    '|---|---:|---|',
    ...lines.map((line) => `| ${line.name} | ${line.value} | ${line.note} |`),
    '',
  ].join('\n');
}
