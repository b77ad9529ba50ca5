-- No query reads calls through the calling number's index (the call search by number filters caller,
-- called or callback number together and walks the primary key), and keeping it was a quarter of the
-- database's work on every imported call (decision 0015, 2026-12-06). Dropping the partitioned index
-- drops it on every partition.
DROP INDEX "calls_calling_idx";
