export {
  DEFAULT_DETECTOR_OPTIONS,
  Detector,
  detectAll,
  profileOf,
  type Assignment,
  type ClusterChange,
  type ClusterInit,
  type ClusterProfile,
  type DetectCall,
  type DetectorOptions,
  type MergeProposal,
} from './detector';
export { extractCallbackNumbers, templateSegments, type SegmentKind } from './segments';
export { isNeighbourSpoof } from './callerId';
export { clusteringScores, type ClusteringScores } from './scores';
