export * from './app';
export * from './server';
export * from './webBuild';
