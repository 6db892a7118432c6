/**
 * The part of a URL that microconf's types speak of, for a consumer whose types declare none (no DOM library and no
 * `@types/node`): a `file:` URL handed in is the platform's own `URL` at run time.
 */
export interface UrlShape {
  /** The whole URL. */
  readonly href: string;
  /** The scheme with its colon (`file:`). */
  readonly protocol: string;
  /** The path, percent-encoded. */
  readonly pathname: string;
}

/**
 * The platform's `URL` wherever the consumer's types declare it (DOM or `@types/node`), else `UrlShape`: the
 * published declarations name no global they do not bring (a strict consumer with `lib: ["es2022"]` alone).
 */
export type UrlLike = typeof globalThis extends { URL: { prototype: infer Url } } ? Url : UrlShape;
