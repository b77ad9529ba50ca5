export * from './common';
export * from './phone';
export * from './providers';
export * from './campaigns';
export * from './tracebacks';
export * from './users';
