import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PATIENCE } from './events.ts';

/** Node's arguments to run a TypeScript file of this repository: one process, not tsx's cli (which runs the file in a
 * second process that a kill would not reach). */
export const NODE_ARGS = ['--import', new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href];

/**
 * A child's environment: tsx is pointed at the repository's tsconfig.json, whose `paths` resolve `microconf` to
 * the sources, whatever the child's working directory.
 */
export function childEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, TSX_TSCONFIG_PATH: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)) };
}

/** What a finished child process printed. */
export interface Finished {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Options of a child run. */
export interface RunOptions {
  /** Arguments after the script. */
  args?: string[];
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Working directory. */
  cwd?: string;
  /** Kill the child and reject after this long (ms). */
  timeout?: number;
  /** What the child reads on its standard input (which is then closed). */
  input?: string | Uint8Array;
}

/** Runs a TypeScript file in a fresh node process; rejects if it has not exited in time. */
export function runScript(file: string, options: RunOptions = {}): Promise<Finished> {
  const ms = options.timeout ?? PATIENCE;
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [...NODE_ARGS, file, ...(options.args ?? [])],
      { timeout: ms, killSignal: 'SIGKILL', env: childEnv(options.env), cwd: options.cwd },
      (error, stdout, stderr) => {
        if (error?.killed) reject(new Error(`${file} did not exit within ${ms} ms: ${stdout}${stderr}`));
        else resolve({ stdout, stderr, code: child.exitCode });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** The absolute path of a fixture under test/fixtures. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}
