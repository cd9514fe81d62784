/** DATETIME text by position (codec/dateText.ts): the same answers as the regex and Date.UTC. */
import { isoOfPlainWallClock, wallClockAsUtcMs } from '../../../src/core/codec/dateText';

describe('wallClockAsUtcMs', () => {
  it('reads a wall clock as if it were UTC, in both forms and with a fraction', () => {
    const ms = Date.UTC(2024, 4, 1, 13, 5, 0);
    expect(wallClockAsUtcMs('2024-05-01 13:05:00')).toBe(ms);
    expect(wallClockAsUtcMs('2024-05-01T13:05:00')).toBe(ms);
    expect(wallClockAsUtcMs(' 2024-05-01 13:05:00.250 ')).toBe(ms);
    expect(wallClockAsUtcMs('0100-01-01 00:00:00')).toBe(new Date('0100-01-01T00:00:00Z').getTime());
  });

  it('refuses zero dates, impossible dates, years below 100 and anything malformed', () => {
    for (const text of [
      '0000-00-00 00:00:00',
      '2024-02-30 00:00:00',
      '2023-02-29 00:00:00',
      '0099-12-31 23:59:59',
      '2024-05-01 24:00:00',
      '2024-05-01 13:60:00',
      '2024-05-01 13:05:60',
      '2024-05-01 13:05:0x',
      '2024-05-01 -1:05:00',
      '2024-05-01',
      '',
    ])
      expect([text, wallClockAsUtcMs(text)]).toEqual([text, null]);
  });
});

describe('isoOfPlainWallClock', () => {
  it('writes the wall clock as ISO 8601 with the offset', () => {
    expect(isoOfPlainWallClock('2024-05-01 13:05:00', '+09:00')).toBe('2024-05-01T13:05:00+09:00');
    expect(isoOfPlainWallClock('2024-05-01T13:05:00', 'Z')).toBe('2024-05-01T13:05:00Z');
  });
});
