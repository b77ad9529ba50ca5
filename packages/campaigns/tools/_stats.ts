import { STATS } from '../src/detector';
await import('../bench');
console.log(STATS, 'found/call', STATS.found / STATS.calls, 'feat', STATS.features / STATS.calls, 'len', STATS.scoredLen / STATS.scored);
