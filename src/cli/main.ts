import { run } from './program.ts';
import { readBounded } from './secrets.ts';

/** Runs the `microconf` command in this process: its output on stdout and stderr, then exits with its code. */
export async function main(argv: readonly string[]): Promise<never> {
  const interrupted = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  const code = await run(argv, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    interrupted,
    input: (maxBytes) => readBounded(process.stdin, maxBytes, 'stdin'),
  });
  process.exit(code);
}
