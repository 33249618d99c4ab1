/**
 * Backend texts (flag explanations, problems) mark names and values with Markdown-style
 * backticks: "layer `ndvi` reads 0.12". `richSegments` splits such a text into plain and code
 * segments so a component can build the nodes itself (text nodes and `<code>` elements): the
 * text is never parsed as HTML.
 */
export interface RichSegment {
  kind: "text" | "code";
  text: string;
}

/**
 * "layer `ndvi` reads" → text "layer ", code "ndvi", text " reads". A run of N backticks opens a
 * code span closed by the next run of exactly N backticks (so "``a`b``" is the code "a`b"), as in
 * CommonMark; one space of padding on both sides is stripped when the content is not all spaces.
 * A backtick run with no closing run stays literal text. Adjacent text segments are merged; empty
 * ones are dropped.
 */
export function richSegments(text: string): RichSegment[] {
  const out: RichSegment[] = [];
  const pushText = (t: string) => {
    if (!t) return;
    const last = out[out.length - 1];
    if (last && last.kind === "text") last.text += t;
    else out.push({ kind: "text", text: t });
  };
  let i = 0;
  let plainStart = 0;
  while (i < text.length) {
    if (text[i] !== "`") {
      i++;
      continue;
    }
    let runEnd = i;
    while (runEnd < text.length && text[runEnd] === "`") runEnd++;
    const runLength = runEnd - i;
    const close = findRun(text, runEnd, runLength);
    if (close < 0) {
      // No closing run: the backticks are plain text.
      i = runEnd;
      continue;
    }
    pushText(text.slice(plainStart, i));
    let code = text.slice(runEnd, close);
    if (code.length >= 2 && code.startsWith(" ") && code.endsWith(" ") && code.trim() !== "") code = code.slice(1, -1);
    if (code) out.push({ kind: "code", text: code });
    i = close + runLength;
    plainStart = i;
  }
  pushText(text.slice(plainStart));
  return out;
}

/** Where the next run of exactly `length` backticks starts at or after `from`; -1 if none. */
function findRun(text: string, from: number, length: number): number {
  let i = from;
  while (i < text.length) {
    if (text[i] !== "`") {
      i++;
      continue;
    }
    let end = i;
    while (end < text.length && text[end] === "`") end++;
    if (end - i === length) return i;
    i = end;
  }
  return -1;
}

/** The text without its code markers, for titles, copies and screen readers: "layer ndvi reads". */
export function plainText(text: string): string {
  return richSegments(text)
    .map((s) => s.text)
    .join("");
}
