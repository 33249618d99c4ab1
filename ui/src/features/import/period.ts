/** Monitoring periods as batches carry them: "2025-01-01..2025-12-31" (shared: lib/periods). */
export { parsePeriod } from "../../lib/periods";
