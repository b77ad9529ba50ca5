export * from './random';
export * from './network';
export * from './calls';
export * from './load';
export * from './scenario';
export * from './agent/decide';
export * from './agent/records';
export * from './agent/agent';
