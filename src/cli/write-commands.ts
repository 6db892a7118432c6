import type { Command } from 'commander';
import { damagedArgument } from './arguments.ts';
import type { CommandContext } from './commands.ts';
import { jsonText, printable } from './printing.ts';
import { FILE_EXTENSIONS, storeWhere, type StoreSpec } from './sources.ts';
import { documentKeys, writeKeys } from './stores.ts';

/** Adds `put` and `import`: the commands that write keys below the prefix of the last store given. */
export function addWriteCommands(program: Command, context: CommandContext): void {
  /** What a write says it did: the keys, and the store without its credentials. */
  const wrote = (store: StoreSpec, keys: readonly string[]) =>
    context.io.out(
      context.json()
        ? jsonText({ written: keys.length, keys })
        : `wrote ${keys.length === 1 ? printable(keys[0]!) : `${keys.length} keys`} to ${storeWhere(store)}`,
    );

  program
    .command('put <key> <value>')
    .description('write one key below the prefix of --consul or --etcd (the value as written: JSON, YAML or text)')
    .action(async (key: string, value: string) => {
      const damaged = damagedArgument(key, 'key') ?? damagedArgument(value, 'value');
      if (damaged !== undefined) throw context.usage(damaged);
      const store = context.target();
      wrote(store, await writeKeys(store, [[key, value]], context.storeTimeout()));
    });

  program
    .command('import <file>')
    .description(`write every leaf of a document (${FILE_EXTENSIONS}) as keys below the prefix of --consul or --etcd`)
    .action(async (file: string) => {
      const store = context.target();
      const entries = await documentKeys(file);
      wrote(store, await writeKeys(store, entries, context.storeTimeout()));
    });
}
