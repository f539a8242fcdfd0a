import { describe, expect, it } from 'vitest';
import { sessionStateOf } from '../../../../client/sdk/state.js';

describe('sessionStateOf', () => {
  it("names the assistant's turn states as a person would, once live", () => {
    expect(sessionStateOf('live', 'listening')).toBe('listening');
    expect(sessionStateOf('live', 'user-speaking')).toBe('listening');
    expect(sessionStateOf('live', 'thinking')).toBe('thinking');
    expect(sessionStateOf('live', 'speaking')).toBe('speaking');
    expect(sessionStateOf('live', 'interrupted')).toBe('listening');
  });

  it('shows the connection phase otherwise, whatever the assistant does', () => {
    for (const phase of ['idle', 'connecting', 'reconnecting', 'closed'] as const) {
      expect(sessionStateOf(phase, 'speaking')).toBe(phase);
    }
  });
});
