import { createRedactor, type Redactor } from '../reader/secrets.ts';
import type { Layer, ViewSecrets } from './snapshot.ts';
import type { Change } from './watcher.ts';

/**
 * What is secret in a new snapshot (the configured patterns and the paths its layers hold secrets at), and in its
 * changes (those of the layers before it too: a change shows its previous value). `patterns` is the redactor of
 * the configured patterns alone, shared while no layer holds a secret.
 */
export function secretsFor(secret: readonly string[], patterns: Redactor, layers: readonly Layer[], before: readonly Layer[]): ViewSecrets {
  const now = secretPaths(layers);
  const earlier = secretPaths(before);
  const redactor = now.length === 0 ? patterns : createRedactor(secret, now);
  const changeRedactor = earlier.length === 0 ? redactor : createRedactor(secret, [...now, ...earlier]);
  return { redactor, changeRedactor };
}

function secretPaths(layers: readonly Layer[]): (readonly string[])[] {
  const paths: (readonly string[])[] = [];
  for (const layer of layers) if (layer.secrets) paths.push(...layer.secrets);
  return paths;
}

/** A change whose printed forms (JSON, console.log, String) show secrets as `[redacted]`; its values stay real. */
export function hideSecrets(change: Change, secrets: Redactor): Change {
  if (secrets.empty) return change;
  const shown = () => ({
    path: change.path,
    previous: secrets.redact(change.previous, change.segments),
    current: secrets.redact(change.current, change.segments),
    version: change.version,
  });
  return Object.defineProperties(change, {
    toJSON: { value: shown },
    toString: { value: () => JSON.stringify(shown()) },
    [Symbol.for('nodejs.util.inspect.custom')]: { value: () => shown() },
  });
}
