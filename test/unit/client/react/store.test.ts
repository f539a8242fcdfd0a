import { describe, expect, it } from 'vitest';
import { createAssistantStore } from '../../../../client/react/store.js';
import type {
  ConnectOptions,
  Session,
  SessionEvents,
  SessionState,
  StartOptions,
} from '../../../../client/sdk/api.js';
import { Emitter } from '../../../../client/sdk/emitter.js';
import { SightlineError } from '../../../../protocol/errors.js';

/** A scripted session: the test emits its events and reads what the store called. */
class ScriptedSession extends Emitter<SessionEvents> {
  state: SessionState = 'idle';
  readonly calls: string[] = [];
  fire<E extends keyof SessionEvents>(event: E, ...args: SessionEvents[E]): void {
    this.emit(event, ...args);
  }
  async start(options?: StartOptions): Promise<void> {
    this.calls.push(`start ${JSON.stringify(options ?? {})}`);
  }
  async hangUp(): Promise<void> {
    this.calls.push('hangUp');
  }
  async sendText(text: string): Promise<{ turnId: string }> {
    this.calls.push(`sendText ${text}`);
    return { turnId: 't1' };
  }
}

/** A connect whose outcome the test decides, one pending call at a time. */
function scriptedConnect() {
  const attempts: Array<{
    options: ConnectOptions | undefined;
    resolve: (s: ScriptedSession) => void;
    reject: (e: Error) => void;
  }> = [];
  const connect = (options?: ConnectOptions) =>
    new Promise<Session>((resolve, reject) => {
      attempts.push({ options, resolve: (s) => resolve(s as unknown as Session), reject });
    });
  return { connect, attempts };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('the useAssistant store', () => {
  it('connects with the connect options only, and follows the session state', async () => {
    const { connect, attempts } = scriptedConnect();
    const store = createAssistantStore(connect, { url: 'http://x', token: 'tk', autoStart: false });
    store.open();
    expect(store.getSnapshot().state).toBe('connecting');
    expect(attempts[0]?.options).toEqual({ url: 'http://x', token: 'tk' });
    const session = new ScriptedSession();
    attempts[0]?.resolve(session);
    await tick();
    expect(store.getSnapshot().session).toBe(session);
    session.fire('state', 'speaking');
    expect(store.getSnapshot().state).toBe('speaking');
    expect(session.calls).toEqual([]);
  });

  it('keeps one transcript per utterance and one reply per turn, the latest text on top', async () => {
    const { connect, attempts } = scriptedConnect();
    const store = createAssistantStore(connect, {});
    let changes = 0;
    store.subscribe(() => changes++);
    store.open();
    const session = new ScriptedSession();
    attempts[0]?.resolve(session);
    await tick();
    const u = { startMs: 0, endMs: 100 };
    session.fire('userTranscript', { utteranceId: 'u1', text: 'what is', final: false, ...u });
    session.fire('userTranscript', { utteranceId: 'u1', text: 'what is this', final: true, ...u });
    session.fire('userTranscript', { utteranceId: 'u2', text: 'and', final: false, ...u });
    const a = { final: false, playedMs: 0, interrupted: false };
    session.fire('assistantText', { turnId: 't1', text: 'A red', ...a });
    session.fire('assistantText', { turnId: 't1', text: 'A red mug', ...a, final: true, interrupted: true });
    const s = store.getSnapshot();
    expect(s.transcripts.map((t) => [t.utteranceId, t.text, t.final])).toEqual([
      ['u1', 'what is this', true],
      ['u2', 'and', false],
    ]);
    expect(s.replies).toHaveLength(1);
    expect(s.replies[0]?.interrupted).toBe(true);
    expect(s.assistantText).toBe('A red mug');
    expect(changes).toBeGreaterThanOrEqual(6);
    // Unchanged state is the same object (React renders nothing).
    expect(store.getSnapshot()).toBe(s);
  });

  it('starts with autoStart once connected', async () => {
    const { connect, attempts } = scriptedConnect();
    const store = createAssistantStore(connect, { autoStart: { video: false } });
    store.open();
    const session = new ScriptedSession();
    attempts[0]?.resolve(session);
    await tick();
    expect(session.calls).toEqual(['start {"video":false}']);
  });

  it('reports a refused connect as the error and closed', async () => {
    const { connect, attempts } = scriptedConnect();
    const store = createAssistantStore(connect, {});
    store.open();
    attempts[0]?.reject(new SightlineError('ERR_UNAUTHORIZED'));
    await tick();
    const s = store.getSnapshot();
    expect(s.state).toBe('closed');
    expect((s.error as SightlineError).code).toBe('ERR_UNAUTHORIZED');
    await expect(store.ready()).rejects.toThrow();
  });

  it('shows session errors and stops listening after close', async () => {
    const { connect, attempts } = scriptedConnect();
    const store = createAssistantStore(connect, {});
    store.open();
    const session = new ScriptedSession();
    attempts[0]?.resolve(session);
    await tick();
    session.fire('error', new SightlineError('ERR_TOOL_TIMEOUT'));
    expect((store.getSnapshot().error as SightlineError).code).toBe('ERR_TOOL_TIMEOUT');
    store.close();
    expect(session.calls).toEqual(['hangUp']);
    expect(store.getSnapshot().session).toBeNull();
    session.fire('state', 'speaking');
    expect(store.getSnapshot().state).toBe('closed');
  });

  it('hangs up a session that connects after close (React strict mode mounts twice)', async () => {
    const { connect, attempts } = scriptedConnect();
    const store = createAssistantStore(connect, {});
    store.open();
    store.close();
    store.open();
    const stale = new ScriptedSession();
    const live = new ScriptedSession();
    attempts[0]?.resolve(stale);
    attempts[1]?.resolve(live);
    await tick();
    expect(stale.calls).toEqual(['hangUp']);
    expect(live.calls).toEqual([]);
    expect(store.getSnapshot().session).toBe(live);
    await expect(store.ready()).resolves.toBe(live);
    await (await store.ready()).sendText('hi');
    expect(live.calls).toEqual(['sendText hi']);
  });
});
