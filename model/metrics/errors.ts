/** Input that a metric cannot score; the message says what was wrong and what to do. */
export class MetricsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricsError';
  }
}
