import { describe, expect, it } from 'vitest';
import { random } from '../helpers/random.ts';
import { describeStep, KINDS, schedule } from './schedule.ts';

describe('fault schedules', () => {
  it('are the same for the same seed, so a failure replays', () => {
    expect(schedule(42, KINDS.etcd)).toEqual(schedule(42, KINDS.etcd));
    expect(schedule(42, KINDS.etcd)).not.toEqual(schedule(43, KINDS.etcd));
    const a = random(7);
    const b = random(7);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });

  it('draw every kind of fault within the 100 schedules CI runs, three to six steps each', () => {
    for (const [store, kinds] of Object.entries(KINDS)) {
      const drawn = Array.from({ length: 100 }, (_, i) => schedule(i + 1, kinds));
      for (const steps of drawn) expect(steps.length, store).toBeGreaterThanOrEqual(3);
      for (const steps of drawn) expect(steps.length, store).toBeLessThanOrEqual(6);
      expect(new Set(drawn.flat().map((step) => step.kind)), store).toEqual(new Set(kinds));
    }
  });

  it('describe each step in a few words', () => {
    expect(describeStep({ kind: 'stall', direction: 'down', ms: 120 })).toBe('stall (direction down, ms 120)');
    expect(describeStep({ kind: 'reset' })).toBe('reset');
  });
});
