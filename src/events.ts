import { createRequire } from 'node:module';
import type * as EE3 from 'eventemitter3';

// eventemitter3 is CommonJS; required directly it loads in a fraction of the time its ESM wrapper takes to
// import (about 3 ms against 12 on the reference machine), which keeps `import 'microconf'` cheap.
const require = createRequire(import.meta.url);

/** eventemitter3's EventEmitter class. */
export const EventEmitter: typeof EE3.EventEmitter = (require('eventemitter3') as typeof EE3).EventEmitter;
/** An eventemitter3 emitter typed by its events. */
export type EventEmitter<Events extends EE3.EventEmitter.ValidEventTypes = string | symbol> = EE3.EventEmitter<Events>;
