import { run } from './program.ts';
import { readBounded } from './secrets.ts';

/** Runs the `microconf` command in this process: its output on stdout and stderr, then exits with its code. */
export async function main(argv: readonly string[]): Promise<never> {
  // A stream whose reader went away (`microconf watch | head -1`) is written no more: Node ignores SIGPIPE, so each
  // write would fail with EPIPE, an unhandled 'error' event that ended the command with a stack trace and exit 1.
  const gone = { out: false, err: false };
  const interrupted = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    // Nobody reads the output any more: stop as on Ctrl-C (a `watch` closes its sources and exits 0).
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      gone.out = true;
      resolve();
    });
  });
  process.stderr.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    gone.err = true;
  });
  const code = await run(argv, {
    out: (line) => void (gone.out || process.stdout.write(`${line}\n`)),
    err: (line) => void (gone.err || process.stderr.write(`${line}\n`)),
    interrupted,
    input: (maxBytes) => readBounded(process.stdin, maxBytes, 'stdin'),
  });
  process.exit(code);
}
