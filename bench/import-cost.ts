// Import cost of the package, in fresh processes.
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { goal, median, quick, record } from './harness.ts';

/** Times `import 'microconf'` (the bundle) beyond an empty module. */
export async function benchImport(root: string): Promise<void> {
  // What `import 'microconf'` loads: the bundle the package exports.
  const dist = fileURLToPath(new URL('../dist/index.mjs', import.meta.url));
  const empty = join(root, 'empty.mjs');
  await writeFile(empty, 'export const empty = 1;\n');
  const time = (target: string) =>
    Number(
      execFileSync(process.execPath, ['-e', `const t=performance.now();import(${JSON.stringify(target)}).then(()=>process.stdout.write(String(performance.now()-t)))`]).toString(),
    );
  const ours: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < (quick ? 5 : 15); i++) {
    ours.push(time(dist));
    floor.push(time(empty));
  }
  const cost = median(ours) - median(floor);
  record("import 'microconf' (dist), beyond an empty module", cost, 'ms', `empty module ${median(floor).toFixed(1)} ms`);
  goal('import cost', cost, 25, 'lower', '≤ 25 ms; YAML, TOML, Consul and etcd load only when used');
}
