import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CallScope } from '../../../../pipelines/core/scope.js';

const abortListeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length;

describe('CallScope and its turns', () => {
  it('a long call does not accumulate listeners: each ended or aborted turn detaches from the call', () => {
    const call = new CallScope();
    const base = abortListeners(call.signal);
    for (let i = 0; i < 10_000; i++) {
      const turn = call.startTurn();
      if (i % 2) turn.end();
      else turn.abort();
    }
    expect(abortListeners(call.signal)).toBe(base);
    expect(call.openTurns).toBe(0);
  });

  it('closing the call aborts every open turn with the call reason', () => {
    const call = new CallScope();
    const a = call.startTurn();
    const b = call.startTurn();
    b.end();
    call.close();
    expect(a.signal.aborted).toBe(true);
    expect(a.signal.reason).toMatchObject({ code: 'ERR_ABORTED' });
    expect(b.signal.aborted).toBe(false);
    expect(call.openTurns).toBe(0);
  });

  it('aborting a turn (barge-in) leaves the call and other turns running', () => {
    const call = new CallScope();
    const a = call.startTurn();
    const b = call.startTurn();
    a.abort();
    expect(a.signal.aborted).toBe(true);
    expect(b.signal.aborted).toBe(false);
    expect(call.signal.aborted).toBe(false);
    expect(call.openTurns).toBe(1);
  });

  it('a turn started on a closed call is aborted at once and never attached', () => {
    const call = new CallScope();
    call.close();
    const turn = call.startTurn();
    expect(turn.signal.aborted).toBe(true);
    expect(turn.ended).toBe(true);
    expect(call.openTurns).toBe(0);
  });

  it('follows a parent signal and detaches from it when the call closes first', () => {
    const server = new AbortController();
    const base = abortListeners(server.signal);
    const first = new CallScope(server.signal);
    expect(abortListeners(server.signal)).toBe(base + 1);
    first.close();
    expect(abortListeners(server.signal)).toBe(base);
    const second = new CallScope(server.signal);
    const turn = second.startTurn();
    server.abort('shutdown');
    expect(second.signal.reason).toBe('shutdown');
    expect(turn.signal.reason).toBe('shutdown');
  });

  it('using a turn ends it when the block exits', () => {
    const call = new CallScope();
    {
      using turn = call.startTurn();
      expect(turn.ended).toBe(false);
      expect(call.openTurns).toBe(1);
    }
    expect(call.openTurns).toBe(0);
  });
});
