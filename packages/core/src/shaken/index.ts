export * from './port';
export * from './rules';
export { verifyAtCallTime, recordShakenAtOpen, requestSignerHop, signerHopEligible } from './open';
export type { ShakenAtOpen } from './open';
export { evaluateShakenOnClose, noteShakenAnswer } from './consistency';
export { presentTracebackShaken, signerRequestsOf, getProviderShakenCounts } from './queries';
export { presentReceived, receivedHopOf, verifyReceivedAnswers } from './received';
export type { ReceivedColumns } from './received';
