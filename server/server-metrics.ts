/** The metrics /metrics exposes (names after TGI's: ../shared/reference/dialogue.md §2.6). */
import { Counter, Gauge, Histogram, Registry } from './metrics.js';

/** `socket` (socket.io chat) or `openai` (/v1/chat/completions). */
export type ChatRoute = 'socket' | 'openai';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class ServerMetrics {
  readonly registry = new Registry();
  readonly httpRequests = this.registry.register(new Counter('demi_http_requests_total', 'HTTP requests by route, method and status'));
  readonly chatRequests = this.registry.register(new Counter('demi_chat_requests_total', 'chat requests by route and outcome (ok, cancelled, error, rejected)'));
  readonly promptTokens = this.registry.register(new Counter('demi_prompt_tokens_total', 'prompt tokens fed to the model, by route'));
  readonly generatedTokens = this.registry.register(new Counter('demi_generated_tokens_total', 'tokens generated, by route'));
  readonly errors = this.registry.register(new Counter('demi_errors_total', 'errors returned to clients, by route and code'));
  readonly timeToFirstToken = this.registry.register(new Histogram('demi_time_to_first_token_seconds', 'from accepting a request to its first token (queue wait included), by route', LATENCY_BUCKETS));
  readonly queueWait = this.registry.register(new Histogram('demi_queue_wait_seconds', 'time requests waited for a worker, by route', LATENCY_BUCKETS));
  readonly requestDuration = this.registry.register(new Histogram('demi_request_duration_seconds', 'from accepting a request to its last token, by route', LATENCY_BUCKETS));
  readonly queueDepth = this.registry.register(new Gauge('demi_queue_depth', 'requests waiting for a generation worker'));
  readonly activeGenerations = this.registry.register(new Gauge('demi_active_generations', 'generations running now'));
  readonly socketConnections = this.registry.register(new Gauge('demi_socket_connections', 'connected socket.io clients'));
  readonly sessions = this.registry.register(new Gauge('demi_sessions', 'chat sessions held in memory'));
  readonly modelLoaded = this.registry.register(new Gauge('demi_model_loaded', '1 once the model is loaded'));
}
