/** A command that breaks the milter state machine; closes that connection only. */
export class SessionError extends Error {
  constructor(
    readonly code: 'OUT_OF_ORDER' | 'NEGOTIATION',
    message: string,
  ) {
    super(message);
    this.name = 'SessionError';
  }
}
