/** Where `${VAR}` expansion looks variables up. */
export type Environment = Readonly<Record<string, string | undefined>>;

const PLACEHOLDER = /\$\$\{|\$\{([A-Za-z0-9_]+)(?::-([^}]*))?\}/g;

/**
 * Expands `${NAME}` and `${NAME:-fallback}` in one string value from `env`; `$${` is a literal `${`. Anything
 * else is left as written. It only substitutes text: nothing is ever executed.
 */
export function expandVariables(text: string, env: Environment): string {
  if (!text.includes('${')) return text;
  return text.replace(PLACEHOLDER, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$${') return '${';
    const value = env[name!];
    if (fallback !== undefined) return value === undefined || value === '' ? fallback : value;
    return value ?? '';
  });
}
