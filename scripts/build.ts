// Builds what the package ships, into dist/:
//
//   microconf.cjs            the implementation: every entry point and the command, in one CommonJS bundle
//   <entry>.cjs, <entry>.mjs what `require` and `import` load: each runs its entry's part of the bundle and hands
//                            out its exports
//   <entry>.d.ts, .d.cts     its declarations, bundled (ESM and CommonJS flavours of the same text)
//   cli.cjs                  the `microconf` command
//   decode-worker.cjs        the thread large documents are decoded on (src/loader/decode-worker.ts), started by
//                            the bundle from beside itself
//
// There is one implementation, loaded once: `import` and `require` of any entry reach the same module instance, so
// a program (or two of its dependencies) mixing both shares one memory registry, one ConfigError class and one set
// of watchers. That is Node's "ES module wrapper" approach to the dual-package hazard. Heavy dependencies (YAML,
// TOML, chokidar, the store clients, commander) stay `import()`ed where they are first used, as in the sources.
//
// An entry point is added in ENTRIES below, in package.json's `exports`, and in tsconfig.json's `paths`.
import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { rollup } from 'rollup';
import { dts } from 'rollup-plugin-dts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const types = join(dist, 'types');

/** The package's entry points: the file name in dist/ (`index` is the package's root) and its source. */
const ENTRIES = { index: 'src/index.ts', service: 'src/service/index.ts', secrets: 'src/secrets/index.ts' } as const;
type Entry = keyof typeof ENTRIES;
const entries = Object.keys(ENTRIES) as Entry[];
const NAME = 'microconf';
/** The command's module, loaded only when the command runs (it brings commander). */
const CLI = 'src/cli/main.ts';

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });

// 1. The implementation: one bundle, each entry's exports behind a function of its name, the command behind an
// import(). An entry's modules run when it is first asked for, so `import 'microconf'` never runs the service
// runtime (nor loads node:http and node:net for it); a module two entries share runs once.
const stdin = [
  ...entries.map((entry) => `export const ${entry} = () => require('./${ENTRIES[entry]}');`),
  `export const cli = () => import('./${CLI}');`,
].join('\n');
/** How both bundles are built: CommonJS for Node 20, dependencies left to the consumer's node_modules. */
const bundling = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  // Names the bundle had to change to keep them apart (ConfigError → _ConfigError) stay the sources' own in
  // `.name` and in stack traces.
  keepNames: true,
  // The sources are ESM; in the bundle, import.meta.url is the bundle's own URL.
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__bundleUrl' },
  logLevel: 'warning',
} as const;
await build({
  ...bundling,
  stdin: { contents: stdin, resolveDir: root, sourcefile: 'package-entry.ts', loader: 'ts' },
  outfile: join(dist, `${NAME}.cjs`),
});
// The decoding thread's entry: a bundle of its own (the encoders and the tree walks it needs), run by a Worker
// that the main bundle starts from beside itself.
await build({ ...bundling, entryPoints: [join(root, 'src/loader/decode-worker.ts')], outfile: join(dist, 'decode-worker.cjs') });

// 2. Each entry's runtime face, for `require` and for `import`.
const bundle = createRequire(import.meta.url)(join(dist, `${NAME}.cjs`)) as Record<Entry, () => Record<string, unknown>>;
for (const entry of entries) {
  const names = Object.keys(bundle[entry]()).sort();
  if (names.length === 0) throw new Error(`${ENTRIES[entry]} exports nothing`);
  await writeFile(
    join(dist, `${entry}.cjs`),
    `'use strict';\nmodule.exports = require('./${NAME}.cjs').${entry}();\n` +
      // Never runs: it names the exports for Node's CommonJS lexer, so `import { x }` of this file works too.
      `0 && (module.exports = { ${names.join(', ')} });\n`,
  );
  // Importing the small file rather than the bundle spares Node's CommonJS lexer a pass over the whole bundle
  // (about 60 ms of CPU on Node 20).
  await writeFile(join(dist, `${entry}.mjs`), `import entry from './${entry}.cjs';\n\nexport const { ${names.join(', ')} } = entry;\n`);
}

// 3. The command's launcher.
const launcher = join(dist, 'cli.cjs');
await writeFile(launcher, `#!/usr/bin/env node\n'use strict';\nvoid require('./${NAME}.cjs').cli().then((cli) => cli.main(process.argv.slice(2)));\n`);
await chmod(launcher, 0o755);

// 4. Declarations: tsc writes them per file, rollup-plugin-dts bundles each entry's. An entry other than the root
// refers to the root's types by the package's own name, so `Config` from `microconf/service` is `Config` from
// `microconf`, in ESM and in CommonJS alike.
execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
const declaration = (source: string) => join(types, relative(join(root, 'src'), source).replace(/\.ts$/, '.d.ts'));
const rootTypes = declaration(join(root, ENTRIES.index));
for (const entry of entries) {
  const input = declaration(join(root, ENTRIES[entry]));
  const result = await rollup({
    input,
    plugins: [
      {
        name: 'self-reference',
        resolveId(source, importer) {
          if (entry === 'index' || !importer || !source.startsWith('.')) return null;
          const target = resolve(dirname(importer), source).replace(/\.(d\.)?ts$|\.js$/, '');
          return `${target}.d.ts` === rootTypes ? { id: NAME, external: true } : null;
        },
      },
      dts({ respectExternal: false }),
    ],
    onwarn(warning) {
      throw new Error(`declarations of ${entry}: ${warning.message}`);
    },
  });
  await result.write({ file: join(dist, `${entry}.d.ts`), format: 'es' });
  await result.close();
  await copyFile(join(dist, `${entry}.d.ts`), join(dist, `${entry}.d.cts`));
}
await rm(types, { recursive: true, force: true });

const shipped = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
for (const entry of entries) {
  const subpath = entry === 'index' ? '.' : `./${entry}`;
  if (!(subpath in shipped.exports)) throw new Error(`package.json exports no ${subpath}`);
}
