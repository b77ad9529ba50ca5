import { describe, expect, it } from 'vitest';
import { clusteringScores } from './scores';

// Expected values from scikit-learn's definitions, worked by hand (natural logs; the ratios do not
// depend on the base).
describe('clusteringScores', () => {
  it('is perfect for a relabelled partition', () => {
    const s = clusteringScores(['a', 'a', 'b', 'b'], ['x', 'x', 'y', 'y']);
    expect(s).toMatchObject({ homogeneity: 1, completeness: 1, vMeasure: 1, adjustedRand: 1, n: 4 });
  });

  it('scores one cluster holding everything', () => {
    // H(C) = ln 2, H(K) = 0, I = 0: homogeneity 0, completeness 1, V 0. ARI: no pair agreement beyond chance.
    const s = clusteringScores(['a', 'a', 'b', 'b'], ['x', 'x', 'x', 'x']);
    expect(s.homogeneity).toBeCloseTo(0, 12);
    expect(s.completeness).toBe(1);
    expect(s.vMeasure).toBeCloseTo(0, 12);
    expect(s.adjustedRand).toBeCloseTo(0, 12);
  });

  it('matches sklearn on a small mixed example', () => {
    // truth [0,0,0,1,1,1], predicted [0,0,1,1,2,2]:
    // sklearn gives homogeneity 0.6666666666666669, completeness 0.420619835714305,
    // V 0.5158037429793889, ARI 0.24242424242424246.
    const s = clusteringScores(['0', '0', '0', '1', '1', '1'], ['0', '0', '1', '1', '2', '2']);
    expect(s.homogeneity).toBeCloseTo(0.6666666666666669, 10);
    expect(s.completeness).toBeCloseTo(0.420619835714305, 10);
    expect(s.vMeasure).toBeCloseTo(0.5158037429793889, 10);
    expect(s.adjustedRand).toBeCloseTo(0.24242424242424246, 10);
  });

  it('leaves unlabelled calls out and counts an unassigned call as a singleton', () => {
    const s = clusteringScores(['a', 'a', null, 'b', 'b'], ['x', null, 'x', 'y', 'y']);
    expect(s.n).toBe(4);
    expect(s.clusters).toBe(3);
    expect(s.homogeneity).toBe(1);
    expect(s.completeness).toBeLessThan(1);
  });
});
