// Worker-thread entry for the pacer: registers the TypeScript loader in this thread, then runs it.
import { register } from 'tsx/esm/api';

register();
await import('./pacerWorker.js');
