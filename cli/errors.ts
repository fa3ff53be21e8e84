import { DemiError } from '../core/index.js';

/** A command-line mistake (unknown command, bad flag): printed without a stack trace. */
export class CliError extends DemiError {
  override name = 'CliError';
}
