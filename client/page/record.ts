import type { Session, SessionEvents } from '../sdk/api.js';

/** Events kept per name (the newest). */
const EVENTS_KEPT = 500;

/** Every event the page received, by the SDK's event name, newest last (for tests and debugging). */
export type EventRecord = { [E in keyof SessionEvents]: SessionEvents[E][0][] };

export function emptyRecord(): EventRecord {
  return {
    state: [],
    userTranscript: [],
    assistantText: [],
    toolCall: [],
    metrics: [],
    models: [],
    error: [],
    assistantTrack: [],
    localStream: [],
    videoProgress: [],
    videoAnswer: [],
    reconnected: [],
  };
}

/** Appends each of `session`'s events to `record` (the record outlives sessions: a second call adds to it). */
export function recordEvents(session: Session, record: EventRecord): void {
  for (const name of Object.keys(record) as (keyof EventRecord)[]) {
    session.on(name, (data: unknown) => {
      const list = record[name] as unknown[];
      list.push(data);
      if (list.length > EVENTS_KEPT) list.shift();
    });
  }
}
