// The errors a handler throws to choose what its caller sees, as go-micro's errors package has them: an id (where
// the error comes from), an HTTP code, a detail for the caller and the code's status text.

const brand = Symbol.for('microconf.ServiceError');

const statusTexts: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** The status text of an HTTP code (`404` → `Not Found`); empty for a code without one. */
export function statusText(code: number): string {
  return statusTexts[code] ?? '';
}

/** The JSON body of an error answer. */
export interface ErrorBody {
  /** Where the error comes from (`popular.ping`), or the id of a failure the service reported. */
  readonly id: string;
  /** The HTTP status code. */
  readonly code: number;
  /** What the caller is told. */
  readonly detail: string;
  /** The code's status text (`Bad Request`). */
  readonly status: string;
}

/**
 * An error a handler throws to answer its caller with a chosen status and detail (go-micro's `errors.Error`).
 * Anything else a handler throws is answered as a 500 with a generic detail; only a ServiceError's detail reaches
 * the caller.
 */
export class ServiceError extends Error implements ErrorBody {
  override readonly name = 'ServiceError';
  /** Where the error comes from. */
  readonly id: string;
  /** The HTTP status code, 400 to 599. */
  readonly code: number;
  /** What the caller is told. */
  readonly detail: string;
  /** The code's status text. */
  readonly status: string;

  /** An error with any code from 400 to 599 (another code becomes 500). */
  constructor(id: string, detail: string, code: number) {
    const valid = Number.isInteger(code) && code >= 400 && code <= 599 ? code : 500;
    super(detail);
    this.id = id;
    this.code = valid;
    this.detail = detail;
    this.status = statusText(valid);
    Object.defineProperty(this, brand, { value: true });
  }

  /** The answer's body. */
  toJSON(): ErrorBody {
    return { id: this.id, code: this.code, detail: this.detail, status: this.status };
  }

  /**
   * Whether a value is a ServiceError, also one made by another copy of this module (the ESM and CommonJS builds
   * of the package loaded side by side), which `instanceof` would miss.
   */
  static is(value: unknown): value is ServiceError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}

const make = (code: number) => (id: string, detail: string) => new ServiceError(id, detail, code);

/** go-micro's error constructors, by the same names: `throw errors.NotFound('popular.ping', 'no such user')`. */
export const errors = Object.freeze({
  /** Any code from 400 to 599. */
  New: (id: string, detail: string, code: number) => new ServiceError(id, detail, code),
  /** 400: the request is wrong. */
  BadRequest: make(400),
  /** 401: the caller is not authenticated. */
  Unauthorized: make(401),
  /** 403: the caller may not do this. */
  Forbidden: make(403),
  /** 404: what was asked for does not exist. */
  NotFound: make(404),
  /** 405: not this way. */
  MethodNotAllowed: make(405),
  /** 408: it took too long. */
  Timeout: make(408),
  /** 409: it conflicts with the current state. */
  Conflict: make(409),
  /** 500: the handler failed, and says so. */
  InternalServerError: make(500),
});

/** The body of an error answer read back, or undefined if the text is not one. */
export function parseErrorBody(value: unknown): ErrorBody | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { id, code, detail, status } = value as Partial<Record<keyof ErrorBody, unknown>>;
  if (typeof code !== 'number' || typeof detail !== 'string') return undefined;
  return { id: typeof id === 'string' ? id : '', code, detail, status: typeof status === 'string' ? status : statusText(code) };
}

/** A failure of a handler that its caller saw only as a 500 with `id`: the service reports it with its `error` event. */
export class HandlerError extends Error {
  override readonly name = 'HandlerError';
  /** The id the caller was given. */
  readonly id: string;
  /** The endpoint called (`Popular.Ping`). */
  readonly endpoint: string;

  constructor(endpoint: string, id: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : typeof cause;
    super(`${endpoint} failed (error id ${id}): ${reason}`, { cause });
    this.id = id;
    this.endpoint = endpoint;
  }
}
