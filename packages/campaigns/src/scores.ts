export interface ClusteringScores {
  homogeneity: number;
  completeness: number;
  /** Harmonic mean of homogeneity and completeness (β = 1). */
  vMeasure: number;
  adjustedRand: number;
  /** Calls scored (those with a truth label). */
  n: number;
  clusters: number;
  classes: number;
}

/**
 * Clustering quality against labels, as scikit-learn defines it (homogeneity_completeness_v_measure,
 * adjusted_rand_score). A null truth is unlabelled and left out; a null prediction is its own singleton.
 */
export function clusteringScores(
  truth: Array<string | null>,
  predicted: Array<string | null>,
): ClusteringScores {
  if (truth.length !== predicted.length)
    throw new Error('clusteringScores: truth and predicted differ in length');
  const classIds = new Map<string, number>();
  const clusterIds = new Map<string, number>();
  const cells = new Map<string, number>();
  const classSize: number[] = [];
  const clusterSize: number[] = [];
  let n = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    if (t === null || t === undefined) continue;
    const p = predicted[i];
    const key = p === null || p === undefined ? `\u0000${i}` : p;
    let a = classIds.get(t);
    if (a === undefined) classIds.set(t, (a = classIds.size));
    let b = clusterIds.get(key);
    if (b === undefined) clusterIds.set(key, (b = clusterIds.size));
    classSize[a] = (classSize[a] ?? 0) + 1;
    clusterSize[b] = (clusterSize[b] ?? 0) + 1;
    const cell = `${a},${b}`;
    cells.set(cell, (cells.get(cell) ?? 0) + 1);
    n++;
  }
  const classes = classIds.size;
  const clusters = clusterIds.size;
  if (n === 0) return { homogeneity: 1, completeness: 1, vMeasure: 1, adjustedRand: 1, n, clusters, classes };

  const entropy = (sizes: number[]): number => sizes.reduce((h, s) => h - (s / n) * Math.log(s / n), 0);
  const hClass = entropy(classSize);
  const hCluster = entropy(clusterSize);
  // Mutual information from the contingency table.
  let mi = 0;
  let sumSquares = 0;
  for (const [cell, count] of cells) {
    const [a, b] = cell.split(',').map(Number) as [number, number];
    mi += (count / n) * Math.log((count * n) / ((classSize[a] as number) * (clusterSize[b] as number)));
    sumSquares += count * count;
  }
  const homogeneity = hClass === 0 ? 1 : mi / hClass;
  const completeness = hCluster === 0 ? 1 : mi / hCluster;
  const vMeasure =
    homogeneity + completeness === 0 ? 0 : (2 * homogeneity * completeness) / (homogeneity + completeness);

  // Pair confusion matrix over ordered pairs, as sklearn's pair_confusion_matrix.
  const squares = (sizes: number[]): number => sizes.reduce((s, x) => s + x * x, 0);
  const tp = sumSquares - n;
  const fp = squares(clusterSize) - sumSquares;
  const fn = squares(classSize) - sumSquares;
  const tn = n * n - fp - fn - sumSquares;
  const adjustedRand =
    fn === 0 && fp === 0 ? 1 : (2 * (tp * tn - fn * fp)) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));

  return {
    homogeneity: clamp(homogeneity),
    completeness: clamp(completeness),
    vMeasure: clamp(vMeasure),
    adjustedRand,
    n,
    clusters,
    classes,
  };
}

function clamp(x: number): number {
  return Math.min(1, Math.max(0, x));
}
