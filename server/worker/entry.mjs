// Entry of a generation worker thread. Worker threads do not inherit the TypeScript loader of the
// thread that started them (tsx under `demi serve`, ts-jest under the tests), so register tsx here
// and load the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./generation-worker.ts');
