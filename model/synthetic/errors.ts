/** Bad options for the synthetic experiment; the message says what was wrong and what to do. */
export class SyntheticError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SyntheticError';
  }
}
