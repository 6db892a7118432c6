import { mkdir, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configDirSources, createConfig } from '../../src/index.ts';
import type { TreeObject } from '../../src/index.ts';
import { tempDir } from './files.ts';
import { PATIENCE } from './events.ts';
import { execFile } from 'node:child_process';

/** A node-config directory layout and the settings it is loaded with. */
export interface Layout {
  /** Directories (in NODE_CONFIG_DIR's order), each a map of file name → text. */
  readonly dirs: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** The environment (besides NODE_CONFIG_DIR); HOST is set to `fixture-host` unless HOST or HOSTNAME is given. */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /** Command-line arguments. */
  readonly argv?: readonly string[] | undefined;
}

/** A layout written to disk, with the environment both loaders are given. */
export interface WrittenLayout {
  readonly root: string;
  readonly env: Record<string, string>;
  readonly argv: readonly string[];
}

/** Writes a layout under a fresh temporary directory. */
export async function writeLayout(layout: Layout): Promise<WrittenLayout> {
  const root = await tempDir();
  const dirs: string[] = [];
  for (const [dir, files] of Object.entries(layout.dirs)) {
    const path = join(root, dir);
    await mkdir(path, { recursive: true });
    for (const [name, text] of Object.entries(files)) await writeFile(join(path, name), text);
    dirs.push(path);
  }
  const given = layout.env ?? {};
  const host: Record<string, string> = 'HOST' in given || 'HOSTNAME' in given ? {} : { HOST: 'fixture-host' };
  return { root, env: { ...host, ...given, NODE_CONFIG_DIR: dirs.join(delimiter) }, argv: layout.argv ?? [] };
}

const repository = fileURLToPath(new URL('../..', import.meta.url));

// Loads node-config as this process's environment and arguments configure it and prints its merged values. A
// property it holds as undefined (a `__format: number` variable that is not a number) is printed as null, which
// is how microconf unsets a path.
const DUMP = `process.stdout.write(JSON.stringify(require('config'), (_key, value) => (value === undefined ? null : value)));`;

/** node-config's merged values for a written layout, from a child process (it reads its settings once, at load). */
export async function nodeConfigValues(layout: WrittenLayout): Promise<unknown> {
  const stdout = await new Promise<string>((resolve, reject) => {
    // The script on standard input (`node -`), so that the arguments node-config reads start at argv[2].
    const child = execFile(
      process.execPath,
      ['-', ...layout.argv],
      // From the repository, where node-config finds the YAML and TOML parsers it loads from the working directory.
      { env: { PATH: process.env.PATH, SUPPRESS_NO_CONFIG_WARNING: '1', ...layout.env }, cwd: repository, timeout: PATIENCE },
      (error, out, stderr) => {
        // Its message only: a stack trace through node-config's files would be mapped by the test runner.
        if (error) reject(new Error(`node-config failed: ${stderr.split('\n').find((line) => /Error/.test(line)) ?? error.message}`));
        else resolve(out);
      },
    );
    child.stdin?.end(DUMP);
  });
  return JSON.parse(stdout);
}

/** microconf's merged values for a written layout, read with `configDirSources` (and no `${VAR}` expansion). */
export async function microconfValues(layout: WrittenLayout): Promise<TreeObject> {
  const config = await createConfig({ sources: configDirSources({ env: layout.env, argv: layout.argv }), expandEnv: false });
  try {
    return config.map();
  } finally {
    await config.close();
  }
}
