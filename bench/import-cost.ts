// Import cost of the package, in fresh processes.
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { goal, median, quick, record } from './harness.ts';

/** Times `import 'microconf'` and `require('microconf')` (the built package) beyond an empty module. */
export async function benchImport(root: string): Promise<void> {
  // What `import` and `require` of 'microconf' load: the files the package exports.
  const dist = (file: string) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url));
  await writeFile(join(root, 'empty.mjs'), 'export const empty = 1;\n');
  await writeFile(join(root, 'empty.cjs'), 'exports.empty = 1;\n');
  const ways = [
    { name: "import 'microconf'", target: dist('index.mjs'), empty: join(root, 'empty.mjs'), load: (target: string) => `import(${target}).then(() => done())` },
    { name: "require('microconf')", target: dist('index.cjs'), empty: join(root, 'empty.cjs'), load: (target: string) => `require(${target}); done()` },
  ];
  const costs: number[] = [];
  for (const way of ways) {
    const time = (target: string) =>
      Number(
        execFileSync(process.execPath, [
          '-e',
          `const t=performance.now();const done=()=>process.stdout.write(String(performance.now()-t));${way.load(JSON.stringify(target))}`,
        ]).toString(),
      );
    const ours: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < (quick ? 5 : 15); i++) {
      ours.push(time(way.target));
      floor.push(time(way.empty));
    }
    const cost = median(ours) - median(floor);
    costs.push(cost);
    record(`${way.name} (dist), beyond an empty module`, cost, 'ms', `empty module ${median(floor).toFixed(1)} ms`);
  }
  goal('import cost', Math.max(...costs), 25, 'lower', '≤ 25 ms (import and require); YAML, TOML, Consul and etcd load only when used');
}
