/**
 * A mistake on the command line (a bad option value, options that need each other): the
 * admin gets one line on stderr and exit code 2, never a stack trace.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
