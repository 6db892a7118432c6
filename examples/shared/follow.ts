// What the store examples share: print the values, print each change as it arrives, and, with --demo, make a few
// changes through the store's own client and wait for each to be published.
import type { Config } from 'microconf';

/** Prints the greeting and the port, then every change with its version. */
export function printChanges(config: Config): void {
  console.log(`greeting=${config.get('greeting').string()} port=${config.get('server.port').int(0)} (version ${config.snapshot().version})`);
  config.on('change', ({ version, changes }) => {
    for (const change of changes) {
      console.log(`v${version} ${change.path}: ${JSON.stringify(change.previous)} -> ${JSON.stringify(change.current)}`);
    }
  });
  config.on('error', (error) => console.error(`error: ${error.message}`));
}

/** Makes each change in turn, waiting until the config has published it, then prints the values. */
export async function demo(config: Config, steps: readonly (() => Promise<unknown>)[]): Promise<void> {
  const published = (version: number) =>
    new Promise<void>((resolve) => {
      const check = () => (config.snapshot().version >= version ? resolve() : setTimeout(check, 5));
      check();
    });
  for (const step of steps) {
    const before = config.snapshot().version;
    await step();
    await published(before + 1);
  }
  console.log(`greeting=${config.get('greeting').string()} port=${config.get('server.port').int(0)}`);
}
