import type * as EE3 from 'eventemitter3';
import { onFirstUse } from './on-first-use.ts';

// eventemitter3 is CommonJS; required directly it loads in a fraction of the time its ESM wrapper takes to
// import, and required with the first emitter (the first config), `import 'microconf'` does not resolve it at all.
const eventemitter3 = onFirstUse<typeof EE3>('eventemitter3');

/** An eventemitter3 emitter typed by its events. */
export type EventEmitter<Events extends EE3.EventEmitter.ValidEventTypes = string | symbol> = EE3.EventEmitter<Events>;

/** A new eventemitter3 emitter typed by its events. */
export function createEmitter<Events extends EE3.EventEmitter.ValidEventTypes>(): EventEmitter<Events> {
  return new (eventemitter3().EventEmitter)<Events>();
}
