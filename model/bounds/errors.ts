/** A score matrix or level list that the bounds cannot use; the message says what was wrong and what to do. */
export class BoundsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BoundsError';
  }
}
