import type { PathArgs, Segment } from './path.ts';

// Compile-time paths: which arguments `get(...)` accepts for a shape, and the type found there. Everything here is a
// type; nothing runs. A path is walked one segment at a time (never by enumerating every path of the shape), so the
// cost of a read follows its own length, and recursive shapes cost no more than flat ones.

/** Paths longer than this many segments are not checked: they read as `unknown`, as an untyped config does. */
type MaxSegments = 24;

/** A segment that is not there, in one member of a union. */
interface Missing {
  readonly [missing]: true;
}
declare const missing: unique symbol;

type IsAny<T> = 0 extends 1 & T ? true : false;

/** True when no argument narrows `K`: `string`, or a pattern such as `${string}.port`. */
type IsWide<K extends string> = Record<never, never> extends Record<K, 1> ? true : false;

/** Keys of `T` holding functions: an object with methods (Date, URL, Map, a class instance) is a leaf. */
type MethodKeys<T> = {
  [K in keyof T]-?: IsAny<T[K]> extends true ? never : T[K] extends (...args: never) => unknown ? K : never;
}[keyof T];

/** The child of one union member at a segment, `Missing` when the member has no such child. */
type MemberChild<M, K extends string> =
  IsAny<M> extends true
    ? unknown
    : unknown extends M
      ? unknown
      : M extends readonly unknown[]
        ? ArrayChild<M, K>
        : M extends object
          ? [MethodKeys<M>] extends [never]
            ? ObjectChild<M, K>
            : Missing
          : Missing;

type ArrayChild<M extends readonly unknown[], K extends string> = number extends M['length']
  ? K extends `${number}`
    ? M[number] | undefined
    : IsWide<K> extends true
      ? M[number] | undefined
      : Missing
  : K extends keyof M
    ? M[K]
    : IsWide<K> extends true
      ? M[number] | undefined
      : Missing;

type ObjectChild<M, K extends string> = K extends keyof M
  ? string extends keyof M
    ? M[K] | undefined
    : M[K]
  : NumericChild<M, AsNumber<K>, IsWide<K> extends true ? M[keyof M] | undefined : Missing>;

/** A numeric key (`{ 80: … }`, `Record<number, …>`) named by its text; `Otherwise` when there is none. */
type NumericChild<M, N, Otherwise> = [N] extends [never]
  ? Otherwise
  : N extends keyof M
    ? number extends keyof M
      ? M[N] | undefined
      : M[N]
    : Otherwise;

/** The child of `T` at one segment: members without it read as `undefined`; `Missing` when none has it. */
type Child<T, K extends string> = Settle<T extends unknown ? MemberChild<T, K> : never>;
type Settle<R> = [Exclude<R, Missing>] extends [never] ? Missing : Exclude<R, Missing> | (Missing extends R ? undefined : never);

/** The segments one union member offers, as they are written in a path. */
type MemberKeys<M> =
  IsAny<M> extends true
    ? string
    : unknown extends M
      ? string
      : M extends readonly unknown[]
        ? number extends M['length']
          ? `${number}`
          : Extract<keyof M, `${number}`>
        : M extends object
          ? [MethodKeys<M>] extends [never]
            ? `${Extract<keyof M, string | number>}`
            : never
          : never;

/** The segments `T` offers (every member of a union). */
export type KeysOf<T> = T extends unknown ? MemberKeys<T> : never;

/** What a walk ends with: the type found, or the segments that would have been valid where it went wrong. */
interface Found<T, Next = never> {
  readonly found: T;
  /** Paths one segment longer, offered by editors as the path is typed. */
  readonly next: Next;
}
interface Wrong<Expected> {
  readonly expected: Expected;
}

/** The segments `T` offers after `Done`, for a message; at a leaf, the path that ends there. */
type Expected<T, Done extends string> = [KeysOf<T>] extends [never]
  ? Done extends `${infer Path}.`
    ? Path
    : never
  : `${Done}${DottedKeys<T>}`;

/** The keys of `T` a dotted path can name (not those holding a dot). */
type DottedKeys<T> = Exclude<KeysOf<T>, `${string}.${string}`>;

/** Walks a dotted path; keys holding a dot cannot be named by one and are left out of the suggestions. */
type WalkDotted<T, P extends string, Done extends string, Depth extends unknown[]> = Depth['length'] extends MaxSegments
  ? Found<unknown>
  : P extends `${infer Head}.${infer Rest}`
    ? Child<T, Head> extends infer C
      ? [C] extends [Missing]
        ? Wrong<readonly [Expected<T, Done>]>
        : WalkDotted<C, Rest, `${Done}${Head}.`, [...Depth, 0]>
      : never
    : Child<T, P> extends infer C
      ? [C] extends [Missing]
        ? Wrong<readonly [Expected<T, Done>]>
        : Found<C, `${Done}${P}.${DottedKeys<C>}`>
      : never;

/** Walks literal segments; on a wrong one, answers the segments before it, the expected keys, then any. */
type WalkSegments<T, S extends readonly Segment[], Done extends readonly Segment[]> = Done['length'] extends MaxSegments
  ? Found<unknown>
  : S extends readonly [infer Head extends Segment, ...infer Rest extends readonly Segment[]]
    ? Child<T, `${Head}`> extends infer C
      ? [C] extends [Missing]
        ? Wrong<readonly [...Done, KeysOf<T> | AsNumber<KeysOf<T>>, ...Segment[]]>
        : WalkSegments<C, Rest, readonly [...Done, Head]>
      : never
    : S extends readonly []
      ? Found<T>
      : Found<unknown>;

/** Array indices may also be given as numbers. */
type AsNumber<K> = K extends `${infer N extends number}` ? N : never;

/** The walk of a whole argument list; a wrong one answers the argument list that was expected. */
type WalkArgs<T, A extends readonly unknown[]> = A extends readonly []
  ? Found<T>
  : A extends readonly [infer Only extends string]
    ? string extends Only
      ? Found<unknown>
      : Only extends RootPath
        ? Found<T>
        : Only extends ''
          ? Found<T, DottedKeys<T>>
          : WalkDotted<T, Only, '', []>
    : A extends readonly [infer Only extends readonly Segment[]]
      ? WalkSegments<T, Only, []> extends Wrong<infer E extends readonly unknown[]>
        ? Wrong<readonly [E]>
        : WalkSegments<T, Only, []>
      : A extends readonly Segment[]
        ? WalkSegments<T, A, []>
        : Found<unknown>;

/**
 * The arguments `get(...)` accepts for a shape: `A` itself when it names a path of `T`; otherwise the list with the
 * segments that were expected where it went wrong, so the compiler's message names both the path and the choices.
 */
export type CheckArgs<T, A extends PathArgs> =
  WalkArgs<T, A> extends Wrong<infer E extends PathArgs>
    ? E
    : WalkArgs<T, A> extends Found<unknown, infer Next extends string>
      ? [Next] extends [never]
        ? A
        : A | readonly [Next]
      : A;

/** The type at the path an argument list names (`unknown` where it cannot be told). */
export type TypeAt<T, A extends PathArgs> = WalkArgs<T, A> extends Found<infer F, unknown> ? F : unknown;

/**
 * The root, as `watch()` without a path has it. Not a literal anyone writes: an editor asking what the argument
 * could be, before it is typed, is then offered nothing for it.
 */
export type RootPath = '' & { readonly [root]: true };
declare const root: unique symbol;

/** `watch`'s single path argument (a dotted string or an array of segments), checked like `get`'s. */
export type CheckPath<T, P extends string | readonly Segment[]> =
  WalkArgs<T, readonly [P]> extends Wrong<readonly [infer E extends string | readonly Segment[]]>
    ? E
    : WalkArgs<T, readonly [P]> extends Found<unknown, infer Next extends string>
      ? [Next] extends [never]
        ? P
        : P | Next
      : P;

/** The type at `watch`'s path. */
export type TypeAtPath<T, P extends string | readonly Segment[]> = WalkArgs<T, readonly [P]> extends Found<infer F, unknown> ? F : unknown;

/** A deeply read-only view of a type: what `value()` hands out is frozen and shared. */
export type ReadonlyDeep<T> = T extends readonly unknown[]
  ? { readonly [K in keyof T]: ReadonlyDeep<T[K]> }
  : T extends object
    ? [MethodKeys<T>] extends [never]
      ? { readonly [K in keyof T]: ReadonlyDeep<T[K]> }
      : T
    : T;
