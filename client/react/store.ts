import type { SightlineError } from '../../protocol/errors.js';
import type { TurnMetrics } from '../../protocol/wire.js';
import type {
  AssistantText,
  Connect,
  ConnectOptions,
  Session,
  SessionState,
  StartOptions,
  UserTranscript,
} from '../sdk/api.js';

/** What `useAssistant` renders from: a new object on every change, the same object otherwise. */
export interface AssistantSnapshot {
  /** The connected session (`null` while connecting, after a failed connect and after unmount). */
  session: Session | null;
  /** `idle` until connected, then the session's state. */
  state: SessionState;
  /** The person's utterances in order, one entry each; a partial is replaced by the next partial and by its final. */
  transcripts: readonly UserTranscript[];
  /** The assistant's turns in order, one entry each, as far as heard (cut where interrupted). */
  replies: readonly AssistantText[];
  /** The text of the latest assistant turn (`''` before the first). */
  assistantText: string;
  /** Metrics of each finished turn, in order. */
  metrics: readonly TurnMetrics[];
  /** The latest error (connect refused, server unreachable, or one the session emitted). */
  error: SightlineError | Error | null;
}

/** Options of `useAssistant`: how to connect, and whether to start the call as soon as connected. */
export interface AssistantOptions extends ConnectOptions {
  /** Start the call with these options once connected (default `false`: call `start()` yourself). */
  autoStart?: StartOptions | false;
}

/** A framework-free holder of one session's state; `useAssistant` is this plus React's `useSyncExternalStore`. */
export interface AssistantStore {
  subscribe(onChange: () => void): () => void;
  getSnapshot(): AssistantSnapshot;
  /** Connects (again, after `close`); safe to call twice in a row (React's strict mode). */
  open(): void;
  /** Hangs up and drops the session; a connect still in flight is hung up when it lands. */
  close(): void;
  /** The session once connected; rejects when the connect failed or the store was closed first. */
  ready(): Promise<Session>;
}

const INITIAL: AssistantSnapshot = {
  session: null,
  state: 'idle',
  transcripts: [],
  replies: [],
  assistantText: '',
  metrics: [],
  error: null,
};

/** Replaces the entry whose key matches, or appends. */
function upsert<T>(list: readonly T[], item: T, same: (a: T) => boolean): readonly T[] {
  const i = list.findIndex(same);
  return i < 0 ? [...list, item] : list.map((x, j) => (j === i ? item : x));
}

/** Creates the store behind `useAssistant` with the `connect` it should use. */
export function createAssistantStore(connect: Connect, options: AssistantOptions): AssistantStore {
  const { autoStart = false, ...connectOptions } = options;
  const listeners = new Set<() => void>();
  let snapshot = INITIAL;
  let generation = 0;
  let pending: Promise<Session> | null = null;
  let unsubscribe: Array<() => void> = [];

  const set = (patch: Partial<AssistantSnapshot>): void => {
    snapshot = { ...snapshot, ...patch };
    for (const l of [...listeners]) l();
  };

  const attach = (session: Session): void => {
    unsubscribe = [
      session.on('state', (state) => set({ state })),
      session.on('userTranscript', (t) =>
        set({ transcripts: upsert(snapshot.transcripts, t, (x) => x.utteranceId === t.utteranceId) }),
      ),
      session.on('assistantText', (a) =>
        set({ replies: upsert(snapshot.replies, a, (x) => x.turnId === a.turnId), assistantText: a.text }),
      ),
      session.on('metrics', (m) => set({ metrics: [...snapshot.metrics, m] })),
      session.on('error', (error) => set({ error })),
    ];
    set({ session, state: session.state });
  };

  const detach = (): void => {
    for (const off of unsubscribe) off();
    unsubscribe = [];
  };

  return {
    subscribe(onChange) {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
    getSnapshot: () => snapshot,
    open() {
      const mine = ++generation;
      set({ ...INITIAL, state: 'connecting' });
      const connecting = connect(connectOptions).then(
        (session) => {
          if (mine !== generation) {
            void session.hangUp();
            throw new Error('closed before the session connected');
          }
          attach(session);
          if (autoStart !== false) session.start(autoStart).catch((error: Error) => set({ error }));
          return session;
        },
        (error: Error) => {
          if (mine === generation) set({ error, state: 'closed' });
          throw error;
        },
      );
      connecting.catch(() => undefined);
      pending = connecting;
    },
    close() {
      generation++;
      const session = snapshot.session;
      detach();
      pending = null;
      if (session) {
        void session.hangUp();
        set({ session: null, state: 'closed' });
      }
    },
    ready: () => pending ?? Promise.reject(new Error('not connected: open() first')),
  };
}
