// The few React APIs the hook uses, typed locally because @types/react is not installed in this
// repository yet. Delete this file once `npm install -D react@18 @types/react@18` has been run.
declare module 'react' {
  export function useState<S>(initial: S | (() => S)): [S, (next: S | ((previous: S) => S)) => void];
  export function useEffect(effect: () => undefined | (() => void), deps?: readonly unknown[]): void;
  export function useSyncExternalStore<T>(
    subscribe: (onChange: () => void) => () => void,
    getSnapshot: () => T,
    getServerSnapshot?: () => T,
  ): T;
}
