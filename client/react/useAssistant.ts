import { useEffect, useState, useSyncExternalStore } from 'react';
import type { Session, StartOptions } from '../sdk/api.js';
import { connect } from '../sdk/index.js';
import { type AssistantOptions, type AssistantSnapshot, createAssistantStore } from './store.js';

/** What `useAssistant` returns: the session's state as React state, and the calls a UI needs most. */
export interface UseAssistant extends AssistantSnapshot {
  /** Publishes the devices and starts the call (waits for the connection first). */
  start(options?: StartOptions): Promise<void>;
  /** Ends the call; the component keeps the last transcripts. */
  hangUp(): Promise<void>;
  /** Sends a typed message as the person's turn. */
  sendText(text: string): Promise<{ turnId: string }>;
  /** Stops the assistant's reply now. */
  interrupt(): Promise<boolean>;
}

/**
 * Connects to Sightline when the component mounts and hangs up when it unmounts.
 * The options are read once, at mount: give the component a new `key` to connect
 * with other options. Everything else (mute, devices, tools, video Q&A) is on `session`.
 *
 * @example
 * const { state, transcripts, assistantText, start, hangUp } = useAssistant({ url, getToken });
 */
export function useAssistant(options: AssistantOptions = {}): UseAssistant {
  const [store] = useState(() => createAssistantStore(connect, options));
  useEffect(() => {
    store.open();
    return () => store.close();
  }, [store]);
  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
  const [actions] = useState(() => {
    const on = <T>(f: (s: Session) => Promise<T>) => store.ready().then(f);
    return {
      start: (o?: StartOptions) => on((s) => s.start(o)),
      hangUp: () => on((s) => s.hangUp()),
      sendText: (text: string) => on((s) => s.sendText(text)),
      interrupt: () => on((s) => s.interrupt()),
    };
  });
  return { ...snapshot, ...actions };
}
