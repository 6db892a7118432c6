/** What went wrong, as a stable code a program can branch on. */
export type ConfigErrorCode =
  | 'READ' // a source could not be read
  | 'DECODE' // bytes did not decode in their format
  | 'FORMAT' // no encoder for the format
  | 'NOT_OBJECT' // a layer decoded to something other than an object
  | 'LIMIT' // a size, depth or alias limit was exceeded
  | 'INVALID_PATH' // a path that cannot be written (a hostile or empty segment)
  | 'INVALID_OPTION' // an option that makes no sense
  | 'VALIDATION' // a value failed a schema
  | 'MISSING' // a required value is missing
  | 'LISTENER' // a change listener threw
  | 'WATCH' // a source's watch failed and is being retried
  | 'DECRYPT' // an encrypted value did not decrypt (wrong key, damaged or truncated ciphertext)
  | 'MISSING_PACKAGE' // an optional package the feature needs is not installed
  | 'CLOSED'; // the config was closed

/** Where in a text document an error sits (1-based). */
export interface ErrorPosition {
  /** Line number, starting at 1. */
  line: number;
  /** Column number, starting at 1. */
  column: number;
}

/** Options accepted by the ConfigError constructor. */
export interface ConfigErrorOptions {
  /** The error code. */
  code: ConfigErrorCode;
  /** The source's name (`file:config.yaml`, `env`, …). */
  source?: string | undefined;
  /** The config path or file path concerned. */
  path?: string | undefined;
  /** Position in the document, when known. */
  position?: ErrorPosition | undefined;
  /** The underlying error. */
  cause?: unknown;
  /** For a refused configuration: each problem, where, and which source supplied the value. */
  issues?: readonly ConfigIssue[] | undefined;
}

/** One problem a schema found in a candidate configuration. */
export interface ConfigIssue {
  /** The path, dotted (`''` for the root). */
  readonly path: string;
  /** What is wrong, in the schema's words. */
  readonly message: string;
  /** The source that supplied the value there, when one did. */
  readonly source: string | undefined;
}

/** The one error type microconf throws and emits; its message never contains a config value. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** Stable code. */
  readonly code: ConfigErrorCode;
  /** The source's name, when the error belongs to a source. */
  readonly source: string | undefined;
  /** The config path or file path concerned. */
  readonly path: string | undefined;
  /** Line in the document (1-based), when known. */
  readonly line: number | undefined;
  /** Column in the document (1-based), when known. */
  readonly column: number | undefined;
  /** The message without the source's name and position. */
  readonly detail: string;
  /** For a refused configuration: each problem, where, and which source supplied the value. */
  readonly issues: readonly ConfigIssue[] | undefined;

  constructor(message: string, options: ConfigErrorOptions) {
    super(describe(message, options), options.cause === undefined ? undefined : { cause: options.cause });
    this.detail = message;
    this.issues = options.issues;
    this.code = options.code;
    this.source = options.source;
    this.path = options.path;
    this.line = options.position?.line;
    this.column = options.position?.column;
  }

  /** A copy of this error attributed to a source (the message gains the source's name). */
  withSource(source: string): ConfigError {
    if (this.source !== undefined) return this;
    return new ConfigError(this.detail, {
      code: this.code,
      source,
      path: this.path,
      position: this.line === undefined ? undefined : { line: this.line, column: this.column ?? 1 },
      cause: this.cause,
      issues: this.issues,
    });
  }
}

function describe(message: string, options: ConfigErrorOptions): string {
  const where = options.position ? ` at line ${options.position.line}, column ${options.position.column}` : '';
  return `${options.source ? `${options.source}: ` : ''}${message}${where}`;
}

/** Turns anything thrown into a ConfigError with the given code and source. */
export function toConfigError(error: unknown, code: ConfigErrorCode, source?: string): ConfigError {
  if (error instanceof ConfigError) return source ? error.withSource(source) : error;
  const reason = error instanceof Error ? error.message : String(error);
  return new ConfigError(reason, { code, source, cause: error });
}
