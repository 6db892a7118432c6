import { describe, expect, it } from 'vitest';
import { failureReason } from '../src/failure-reason.ts';

describe('failureReason', () => {
  it.each([
    ['a system error by its code', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1\n    at x'), { code: 'ECONNREFUSED' }), 'ECONNREFUSED'],
    [
      "gRPC's refused connection, by the code its text names",
      new Error('14 UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: '),
      'ECONNREFUSED',
    ],
    ["gRPC's text without a code, without its empty note", new Error('14 UNAVAILABLE: No connection established. Resolution note: '), '14 UNAVAILABLE: No connection established.'],
    ['the first line of anything else', new Error('permission denied\nsecond line'), 'permission denied'],
    ['a thrown non-error', 'gone', 'gone'],
    ['a long message, cut', new Error('x'.repeat(300)), 'x'.repeat(200)],
  ])('%s', (_, error, reason) => {
    expect(failureReason(error)).toBe(reason);
  });
});
