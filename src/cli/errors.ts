/** A mistake by the person at the terminal: printed as one line, exit code 2 (1 for `code`). */
export class UsageError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
  }
}
