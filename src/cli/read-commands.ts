import type { Command } from 'commander';
import { currentView, type Config } from '../config.ts';
import { explainPath, type Explanation } from '../loader/explain.ts';
import type { Tree } from '../reader/tree.ts';
import type { CommandContext } from './commands.ts';
import { jsonText, printable, shownText } from './printing.ts';

// One side of a change: absent before a value was added, after it was removed.
const shownChange = (value: Tree | undefined): string => (value === undefined ? '(none)' : jsonText(value));

function describe(leaf: Explanation): string {
  const over = leaf.overridden.map((o) => `${printable(o.source)}: ${jsonText(o.value)}`).join(', ');
  return `${printable(leaf.path || '(root)')} = ${jsonText(leaf.value)}  <- ${printable(leaf.source ?? '(none)')}${over ? `  (over ${over})` : ''}`;
}

/** Adds `get`, `explain` and `watch`: the commands that read the sources given. */
export function addReadCommands(program: Command, context: CommandContext): void {
  const { io } = context;
  /** Opens the sources given, answers for one dotted path ("." the root), then closes them. */
  const readAt = async (path: string, answer: (config: Config, segments: string[]) => void): Promise<void> => {
    if (!path) throw context.usage('the path is empty; "." is the root');
    const config = await context.open();
    try {
      answer(config, path === '.' ? [] : path.split('.'));
    } finally {
      await config.close();
    }
  };
  program
    .command('get <path>')
    .description('print the value at a dotted path')
    .action((path: string) =>
      readAt(path, (config, segments) => {
        const value = config.get(segments).raw();
        if (value === undefined) return context.notFound(path);
        const shown = context.redactors(config).values.redact(value, segments);
        io.out(
          context.json()
            ? jsonText(shown)
            : typeof shown === 'string'
              ? shownText(shown, io.terminal === true)
              : jsonText(shown, typeof shown === 'object' && shown !== null ? 2 : undefined),
        );
      }),
    );

  program
    .command('explain <path>')
    .description('print which source gave each value below a path, and what it overrode')
    .action((path: string) =>
      readAt(path, (config, segments) => {
        const explanation = explainPath(currentView(config), segments, context.redactors(config).values);
        if (explanation.value === undefined) return context.notFound(path);
        if (context.json()) io.out(jsonText(explanation));
        else for (const leaf of explanation.leaves ?? [explanation]) io.out(describe(leaf));
      }),
    );

  program
    .command('watch [path]')
    .description('print each change (time, version, path, previous -> current, source) until interrupted')
    .action(async (path: string | undefined) => {
      const config = await context.open();
      const below = path ? path.split('.') : [];
      // A failure that goes on (a file deleted, a store down) is reported once, until the configuration changes.
      const reported = new Set<string>();
      config.on('change', ({ version, changes }) => {
        reported.clear();
        for (const change of changes) {
          // The watched path, anything below it, or an ancestor replaced above it.
          const shorter = Math.min(below.length, change.segments.length);
          if (below.slice(0, shorter).some((segment, i) => change.segments[i] !== segment)) continue;
          const source = config.explain(change.segments).source;
          // The config has just published this change: its view knows the secrets of both its sides.
          const secrets = context.redactors(config).changes;
          const previous = secrets.redact(change.previous, change.segments);
          const current = secrets.redact(change.current, change.segments);
          const time = new Date().toISOString();
          io.out(
            context.json()
              ? jsonText({ time, version, path: change.path, previous, current, source: source ?? '(removed)' })
              : `${time} v${version} ${printable(change.path)}: ${shownChange(previous)} -> ${shownChange(current)}${source === undefined ? '' : `  (${printable(source)})`}`,
          );
        }
      });
      config.on('error', (error) => {
        if (reported.has(error.message)) return;
        reported.add(error.message);
        io.err(`error: ${printable(error.message)}`);
      });
      io.out(context.json() ? jsonText({ watching: path ?? '', version: config.snapshot().version }) : `watching ${path === undefined ? '(everything)' : printable(path)} from version ${config.snapshot().version}`);
      await io.interrupted;
      await config.close();
    });
}
