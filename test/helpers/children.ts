import { spawn, type ChildProcess } from 'node:child_process';
import { childEnv, NODE_ARGS } from './process.ts';
import { PATIENCE } from './events.ts';

/** A long-running child process whose output lines can be awaited. */
export interface Child {
  readonly process: ChildProcess;
  /** Every line printed so far (stdout and stderr). */
  readonly lines: string[];
  /** Resolves with the first line matching, waiting for it if needed. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpExecArray>;
  /** Resolves when the child has exited. */
  readonly exited: Promise<number | null>;
}

/** Starts a TypeScript file in a child node process (killed by the caller, or after `timeout`). */
export function startChild(file: string, env: NodeJS.ProcessEnv, timeout = 60_000, args: readonly string[] = []): Child {
  const child = spawn(process.execPath, [...NODE_ARGS, file, ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const killer = setTimeout(() => child.kill('SIGKILL'), timeout);
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter((line) => line.trim() !== ''));
    for (const waiter of [...waiters]) waiter();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(killer);
      for (const waiter of [...waiters]) waiter();
      resolve(code);
    }),
  );
  return {
    process: child,
    lines,
    exited,
    waitFor(pattern, ms = PATIENCE) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no line matching ${pattern} within ${ms} ms; got:\n${lines.join('\n')}`));
        }, ms);
        const check = () => {
          for (const line of lines) {
            const match = pattern.exec(line);
            if (match) {
              clearTimeout(timer);
              waiters.delete(check);
              resolve(match);
              return;
            }
          }
          if (child.exitCode !== null) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`exited before a line matching ${pattern}; got:\n${lines.join('\n')}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}
