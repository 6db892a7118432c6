import { writeFile } from 'node:fs/promises';
import { createConfig, fileSource } from './src/index.ts';
const MiB = 1048576;
function yamlKeys(size: number, salt: number): string {
  const value = `${salt}`.padEnd(80, 'x');
  return Array.from({ length: Math.ceil(size / 95) }, (_, i) => `key${i}: ${value}`).join('\n');
}
const path = '/tmp/offloop/large.yaml';
await writeFile(path, yamlKeys(16 * MiB, 1));
let last = performance.now(); let held = 0; let at = '';
const probe = setInterval(() => { const now = performance.now(); if (now - last > held) { held = now - last; } last = now; }, 1);
let t = performance.now();
const config = await createConfig({ sources: [fileSource({ path, watch: false })] });
console.log('load', performance.now() - t, 'held', held); held = 0;
await writeFile(path, yamlKeys(16 * MiB, 2));
t = performance.now();
await config.sync();
console.log('reload', performance.now() - t, 'held', held);
clearInterval(probe);
await config.close();
