/** server/: the chat server (DESIGN §8): express + socket.io + an OpenAI-compatible API. */
export { startServer, type RunningServer } from './server.js';
export { ServerOptionsError } from './errors.js';
export { ServerOptionsSchema, type ServerOptions, type ServerOptionsInput } from './options.js';
export { ServerError, type ServerErrorCode } from './errors.js';
export type { ModelInfo } from './model-info.js';
export type { ChatParams, ResolvedParams } from './params.js';
