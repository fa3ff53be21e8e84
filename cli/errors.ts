/** A command-line mistake (unknown command, bad flag): printed without a stack trace. */
export class CliError extends Error {
  override name = 'CliError';
}
