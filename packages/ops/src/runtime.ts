/**
 * The V8 settings every service process runs with (NODE_OPTIONS): the Dockerfile's default, `npm start`'s and the
 * test platform's. A service's live heap is small (fetches are bounded at 2 MiB, nothing is cached), but with V8's
 * defaults on a large machine the heap grows far beyond it under a backlog: measured in the benchmark at 1,000
 * orders/s offered, peak RSS 150–213 MiB per service with the defaults, 111–137 MiB with these, at the same CPU per
 * order and the same throughput. A young generation of 8 MiB semi-spaces (default 16) keeps scavenges cheap; smaller
 * (2 MiB) cost a third more CPU per order. The old-generation cap of 96 MiB makes V8 collect rather than grow;
 * Kubernetes' limit (320 Mi) leaves room for code and buffers above it.
 */
export const SERVICE_NODE_OPTIONS = '--max-old-space-size=96 --max-semi-space-size=8';
