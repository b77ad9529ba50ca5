export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  target?: string;
  notes?: string;
}

export interface BenchSuite {
  run(opts: { quick: boolean }): Promise<BenchResult[]>;
}
