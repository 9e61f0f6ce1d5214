/**
 * A mistake in the configuration or in how Thresher was invoked: the message names the file
 * and the config path (or the option) and is shown to the admin as it is, one line on stderr
 * with exit code 2, no stack trace. Anything else that escapes a command is a bug.
 */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
