export * from './app';
export * from './server';
export * from './webBuild';
export * from './adminSocket';
export * from './ops/doctor';
export * from './ops/metrics';
export * from './ops/ready';
