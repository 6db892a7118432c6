// Holds the YAML encoder's load until a test opens the gate, so a YAML change set is still decoding when a later
// one arrives. A test file mocks the encoders with `gatedEncoders`:
//   vi.mock('../../src/encoders/index.ts', async (original) => (await import('../helpers/encoder-gate.ts')).gatedEncoders(original));
import type * as Encoders from '../../src/encoders/index.ts';

let open!: () => void;
const opened = new Promise<void>((resolve) => (open = resolve));

/** Opens the gate: the YAML encoder loads, and every YAML decode held so far goes on. */
export const openYamlGate = (): void => open();

/** The encoders module with its YAML load held at the gate. */
export async function gatedEncoders(importOriginal: () => Promise<typeof Encoders>): Promise<typeof Encoders> {
  const original = await importOriginal();
  return {
    ...original,
    loadEncoder: async (format: string) => {
      if (format === 'yaml') await opened;
      return original.loadEncoder(format);
    },
  };
}
