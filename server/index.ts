/** server/: the chat server (docs/ARCHITECTURE.md §8): express + socket.io + an OpenAI-compatible API. */
export { startServer, type RunningServer } from './server.js';
export { isClusterWorker, runClusterWorker, startClusterPrimary, type ProcessReady, type RunningCluster } from './cluster.js';
export { ServerError, ServerOptionsError, type ServerErrorCode } from './errors.js';
export { ServerOptionsSchema, type ServerOptions, type ServerOptionsInput } from './options.js';
export type { ModelInfo } from './model-info.js';
export type { ChatParams, ResolvedParams } from './params.js';
