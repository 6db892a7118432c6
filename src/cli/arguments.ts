/**
 * Why an argument cannot be taken as it reads, or undefined. Node reads an argument's bytes that are not UTF-8 (typed
 * in a terminal set to Latin-1) as U+FFFD, with no word said: written to a store or sealed, it would be another value.
 * A U+FFFD meant is rare enough to be given another way (`hint`); the message never quotes the argument.
 */
export function damagedArgument(text: string, what: string, hint = ''): string | undefined {
  if (!text.includes('\uFFFD')) return undefined;
  return `the ${what} given holds U+FFFD, which bytes that are not UTF-8 become (a terminal not set to UTF-8): it would be written as another ${what}${hint}`;
}
