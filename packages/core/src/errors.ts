export interface FieldError {
  path: string;
  message: string;
}

/** Errors a command raises for the caller's input; every door maps them to its own form (HTTP problem, CLI message). */
export abstract class DomainError extends Error {
  abstract readonly kind: 'not_found' | 'conflict' | 'invalid';
}

/** Missing and forbidden are the same answer: nobody learns that a thing exists from being refused it. */
export class NotFoundError extends DomainError {
  readonly kind = 'not_found' as const;
  constructor(what: string) {
    super(`${what} not found`);
  }
}

export class ConflictError extends DomainError {
  readonly kind = 'conflict' as const;
}

export class InvalidInputError extends DomainError {
  readonly kind = 'invalid' as const;
  constructor(
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
  }
  static field(path: string, message: string): InvalidInputError {
    return new InvalidInputError(`${path} ${message}`, [{ path, message }]);
  }
}
