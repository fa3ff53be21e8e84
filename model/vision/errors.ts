/** A vision model, config, checkpoint or data problem; the message says what was wrong and what to do. */
export class VisionError extends Error {
  override name = 'VisionError';
}
