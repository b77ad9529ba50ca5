export * from './build';
export * from './keys';
export * from './signature';
export * from './verify';
export { renderReport } from './report';
