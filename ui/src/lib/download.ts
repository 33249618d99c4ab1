/**
 * Saving a text the UI made (a report) as a file, with no backend command: the webview's own
 * download of a Blob. The webview gets no fs or save-dialog permission (ARCHITECTURE.md,
 * Security), so the file goes where the webview puts downloads. Caveat: WebKitGTK webviews may
 * drop a scripted Blob download without a word (tauri-apps/tauri#2225); a backend command that
 * writes to a path from a save dialog would be the dependable way.
 */

/** A UTF-8 byte-order mark: spreadsheets then read the CSV's accents right. */
export const UTF8_BOM = "\uFEFF";

/** Offers `text` as a download named `fileName`. */
export function downloadText(fileName: string, text: string, mime = "text/csv;charset=utf-8"): void {
  const url = URL.createObjectURL(new Blob([UTF8_BOM, text], { type: mime }));
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  a.rel = "noopener";
  a.style.display = "none";
  document.body.append(a);
  a.click();
  a.remove();
  // Give the webview time to start reading the Blob before it goes.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
