import { EXIT } from './commands.ts';
import { run } from './program.ts';
import { readBounded } from './secrets.ts';

/** Runs the `microconf` command in this process: its output on stdout and stderr, then exits with its code. */
export async function main(argv: readonly string[]): Promise<never> {
  // A stream that fails is written no more. A reader that went away (`microconf watch | head -1`) is no failure:
  // Node ignores SIGPIPE, so each write would fail with EPIPE, an unhandled 'error' event that ended the command
  // with a stack trace and exit 1. Any other failure (ENOSPC: `> file` on a full disk) is one (exit 4).
  const gone = { out: false, err: false };
  let failed: NodeJS.ErrnoException | undefined;
  const interrupted = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    // Nobody reads the output any more, or it cannot be written: stop as on Ctrl-C (a `watch` closes its sources).
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      gone.out = true;
      if (error.code !== 'EPIPE') failed = error;
      resolve();
    });
  });
  process.stderr.on('error', () => {
    gone.err = true;
  });
  const code = await run(argv, {
    out: (line) => void (gone.out || process.stdout.write(`${line}\n`)),
    err: (line) => void (gone.err || process.stderr.write(`${line}\n`)),
    interrupted,
    input: (maxBytes) => readBounded(process.stdin, maxBytes, 'stdin'),
    terminal: process.stdout.isTTY === true,
  });
  // A write that failed within the command's last step has not been told as an event yet: the stream knows it.
  const errored = (process.stdout.errored ?? undefined) as NodeJS.ErrnoException | undefined;
  failed ??= errored?.code === 'EPIPE' ? undefined : errored;
  if (failed) {
    if (!gone.err) process.stderr.write(`microconf: cannot write the output (${failed.code ?? 'error'})\n`);
    process.exit(EXIT.output);
  }
  process.exit(code);
}
