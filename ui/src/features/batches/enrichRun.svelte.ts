/**
 * One "Re-run checks" run of a batch: progress from the backend's channel, cancel, and how it
 * ended. The batch view shows the button in its header and the progress under it, so the state
 * lives here rather than in either place.
 */
import { Channel } from "@tauri-apps/api/core";
import { commands, type BatchDto, type ProgressDto } from "../../lib/bindings";
import { toShownError, type ShownError } from "../../lib/errors";
import { attempt } from "../../lib/result";

export class EnrichRun {
  /** The batch being (or last) enriched. */
  batchId = $state<number | null>(null);
  running = $state(false);
  cancelling = $state(false);
  progress = $state<ProgressDto | null>(null);
  error = $state<ShownError | null>(null);
  /** The last run was cancelled (nothing was written: the earlier checks still stand). */
  cancelled = $state(false);

  /** Samples every layer at every row again and re-runs the checks; the batch on success. */
  async start(batchId: number): Promise<BatchDto | null> {
    if (this.running) return null;
    this.batchId = batchId;
    this.running = true;
    this.cancelling = false;
    this.cancelled = false;
    this.error = null;
    this.progress = { rows: 0, bytes_read: 0, bytes_total: null };
    const channel = new Channel<ProgressDto>();
    channel.onmessage = (p) => {
      this.progress = p;
    };
    const r = await attempt(() => commands.enrichBatch(batchId, channel));
    this.running = false;
    this.cancelling = false;
    this.progress = null;
    if (r.ok) return r.data;
    if (r.error.code === "cancelled") this.cancelled = true;
    else this.error = r.error;
    return null;
  }

  async cancel(): Promise<void> {
    if (!this.running) return;
    this.cancelling = true;
    try {
      await commands.cancelEnrich();
    } catch (e) {
      this.cancelling = false;
      this.error = toShownError(e);
    }
  }

  /** Forgets how the last run ended (the note or error is dismissed). */
  dismiss(): void {
    this.cancelled = false;
    this.error = null;
  }
}
