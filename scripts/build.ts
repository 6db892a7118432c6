// Builds what the package ships, into dist/:
//
//   microconf.cjs            the implementation of the root and `microconf/secrets`, in one CommonJS bundle
//   microconf-service.cjs    the service runtime; microconf-cli.cjs the command: bundles apart, which take every
//                            module they share with microconf.cjs from it
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
import { build, type Plugin } from 'esbuild';
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

// 1. The implementation. The main bundle holds the root and `microconf/secrets`, each entry's exports behind a
// function of its name, run when the entry is first asked for. The service runtime and the command are bundles of
// their own, so `import 'microconf'` neither reads, compiles nor runs them (a quarter of the code; node:http and
// node:net for the runtime, commander for the command). What they import of the main bundle's modules they take
// from its one instance (`shared` below), never from a copy of their own.
/** How every bundle is built: CommonJS for Node 20, dependencies left to the consumer's node_modules. */
const bundling = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  absWorkingDir: root,
  // Names the bundle had to change to keep them apart (ConfigError → _ConfigError) stay the sources' own in
  // `.name` and in stack traces.
  keepNames: true,
  // ASCII only: Node reads a file of pure ASCII into a one-byte string, which is faster to read and to compile.
  charset: 'ascii',
  // The sources are ESM; in the bundle, import.meta.url is the bundle's own URL.
  banner: { js: "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__bundleUrl' },
  logLevel: 'warning',
} as const;
/** The entries the main bundle holds; the others are bundles of their own, as the command is. */
const MAIN: readonly Entry[] = ['index', 'secrets'];
/** The bundles kept apart from the main one, by file name in dist/: each entry not in MAIN, and the command. */
const APART: Record<string, string> = {
  ...Object.fromEntries(entries.filter((entry) => !MAIN.includes(entry)).map((entry) => [`${NAME}-${entry}`, ENTRIES[entry]])),
  [`${NAME}-cli`]: CLI,
};
const mainEntry = (shared: readonly string[]) =>
  [
    ...MAIN.map((entry) => `export const ${entry} = () => require('./${ENTRIES[entry]}');`),
    `export const shared = {\n${shared.map((input) => `  ${JSON.stringify(input)}: () => require('./${input}'),`).join('\n')}\n};`,
  ].join('\n');
const buildMain = (shared: readonly string[]) =>
  build({
    ...bundling,
    stdin: { contents: mainEntry(shared), resolveDir: root, sourcefile: 'package-entry.ts', loader: 'ts' },
    outfile: join(dist, `${NAME}.cjs`),
    metafile: true,
  });
/** A bundle apart takes each module of `main` (sources relative to the root) from the main bundle's instance. */
function fromMain(main: ReadonlySet<string>, shared: Set<string>): Plugin {
  const namespace = 'main-bundle';
  return {
    name: 'from-main-bundle',
    setup(bundler) {
      bundler.onResolve({ filter: /^\./ }, (args) => {
        if (args.namespace === namespace) return { path: args.path, external: true };
        const input = relative(root, resolve(args.resolveDir, args.path)).split('\\').join('/');
        if (!main.has(input)) return undefined;
        shared.add(input);
        return { path: input, namespace };
      });
      bundler.onLoad({ filter: /.*/, namespace }, (args) => ({
        contents: `module.exports = require('./${NAME}.cjs').shared[${JSON.stringify(args.path)}]();\n`,
        loader: 'js',
      }));
    },
  };
}
const main = new Set(Object.keys((await buildMain([])).metafile.inputs));
const shared = new Set<string>();
const owners = new Map<string, string>();
for (const [file, source] of Object.entries(APART)) {
  const { metafile } = await build({ ...bundling, entryPoints: [join(root, source)], outfile: join(dist, `${file}.cjs`), metafile: true, plugins: [fromMain(main, shared)] });
  // A module two bundles apart both held would run twice, with two sets of state: it belongs in the main bundle.
  for (const input of Object.keys(metafile.inputs).filter((name) => !name.includes(':'))) {
    const owner = owners.get(input);
    if (owner) throw new Error(`${input} is in ${owner}.cjs and ${file}.cjs; import it from the main bundle`);
    owners.set(input, file);
  }
}
await buildMain([...shared].sort());
// The decoding thread's entry: a bundle of its own (the encoders and the tree walks it needs), run by a Worker
// that the main bundle starts from beside itself.
await build({ ...bundling, entryPoints: [join(root, 'src/loader/decode-worker.ts')], outfile: join(dist, 'decode-worker.cjs') });

for (const file of [`${NAME}.cjs`, ...Object.keys(APART).map((name) => `${name}.cjs`), 'decode-worker.cjs']) {
  // esbuild escapes what is not ASCII in strings but not in regular expressions: those are written escaped.
  if (/[^\0-\x7f]/.test(await readFile(join(dist, file), 'utf8'))) throw new Error(`dist/${file} is not ASCII; escape the sources' regular expressions`);
}

// 2. Each entry's runtime face, for `require` and for `import`.
const load = createRequire(import.meta.url);
const mainBundle = load(join(dist, `${NAME}.cjs`)) as Record<string, () => Record<string, unknown>>;
/** What `require` of an entry's face returns: its bundle's exports, from the file in dist/. */
const face = (entry: Entry) => (MAIN.includes(entry) ? `require('./${NAME}.cjs').${entry}()` : `require('./${NAME}-${entry}.cjs')`);
for (const entry of entries) {
  const exported = MAIN.includes(entry) ? mainBundle[entry]!() : (load(join(dist, `${NAME}-${entry}.cjs`)) as Record<string, unknown>);
  const names = Object.keys(exported).sort();
  if (names.length === 0) throw new Error(`${ENTRIES[entry]} exports nothing`);
  await writeFile(
    join(dist, `${entry}.cjs`),
    `'use strict';\nmodule.exports = ${face(entry)};\n` +
      // Never runs: it names the exports for Node's CommonJS lexer, so `import { x }` of this file works too.
      `0 && (module.exports = { ${names.join(', ')} });\n`,
  );
  // `require` of the small file, rather than `import` of it or of the bundle, goes straight to the CommonJS loader:
  // no pass of Node's CommonJS lexer (about 60 ms of CPU over the whole bundle on Node 20), no asynchronous read.
  await writeFile(
    join(dist, `${entry}.mjs`),
    `import { createRequire } from 'node:module';\n\nconst entry = createRequire(import.meta.url)('./${entry}.cjs');\n\nexport const { ${names.join(', ')} } = entry;\n`,
  );
}

// 3. The command's launcher.
const launcher = join(dist, 'cli.cjs');
await writeFile(launcher, `#!/usr/bin/env node\n'use strict';\nvoid require('./${NAME}-cli.cjs').main(process.argv.slice(2));\n`);
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
