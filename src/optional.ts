import { ConfigError } from './errors.ts';

/**
 * Loads an optional peer dependency (a store client only its users install) on first use: `load` is the literal
 * `import()`, kept at the call site so bundlers and types see it. A package that is not installed rejects with a
 * `ConfigError` (code `MISSING_PACKAGE`) naming it, what needs it and the command that installs it; any other
 * failure of the import is passed on as it is.
 */
export async function loadOptional<T>(name: string, user: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!isMissing(error, name)) throw error;
    throw new ConfigError(`${user} needs the package "${name}", which is not installed: run npm install ${name}`, {
      code: 'MISSING_PACKAGE',
      cause: error,
    });
  }
}

/** Whether an import failed because the package itself (not something it imports) cannot be found. */
export function isMissing(error: unknown, name: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  // "Cannot find package 'etcd3' imported from …" (import) or "Cannot find module 'etcd3'" (require).
  return typeof message === 'string' && (message.includes(`'${name}'`) || message.includes(`"${name}"`));
}
