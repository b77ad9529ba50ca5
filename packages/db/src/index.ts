export * from './client';
export * as schema from './schema';
export * from './repos/cursor';
export * from './repos/providers';
export * from './repos/tracebacks';
export * from './repos/campaigns';
export * from './repos/users';
