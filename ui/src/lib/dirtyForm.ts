/**
 * Whether a dialog's form holds changes the user would lose by closing it. FormDialog feeds this
 * from DOM events, with no help from the dialog inside it:
 * - `remember(field)` on `focusin`: the value a field had before the user touched it;
 * - `changed(field)` on `input`/`change`: a field changed without having been focused first
 *   (a checkbox ticked through its label) counts as changed;
 * - `edited()`: a change a component made for the user (a path picked with Browse…, announced
 *   with the `FORM_EDIT_EVENT` DOM event).
 * A field put back as it was is clean again; values the program fills in (defaults loaded later)
 * never count, since only fields the user touched are compared.
 */

/** The DOM event (bubbling) a component dispatches when it changed a field for the user. */
export const FORM_EDIT_EVENT = "mrv-form-edit";

/** What of a form control is compared: an `<input>`, `<select>` or `<textarea>`. */
export interface FieldLike {
  type?: string;
  value?: string;
  checked?: boolean;
  /** False once the field left the page (a step of the form was removed). */
  isConnected?: boolean;
}

/** A field's value as compared: "checked"/"unchecked" for boxes and radios, else its value. */
export function fieldValue(field: FieldLike): string {
  if (field.type === "checkbox" || field.type === "radio") return field.checked ? "checked" : "unchecked";
  return field.value ?? "";
}

/** Whether an event target is a form control whose value the user edits. */
export function isEditableField(target: unknown): target is FieldLike {
  if (typeof target !== "object" || target === null) return false;
  const tag = (target as { tagName?: unknown }).tagName;
  if (tag !== "INPUT" && tag !== "SELECT" && tag !== "TEXTAREA") return false;
  const type = (target as FieldLike).type;
  return type !== "button" && type !== "submit" && type !== "reset" && type !== "hidden";
}

const CHANGED = Symbol("changed before it was focused");

export class DirtyTracker<F extends FieldLike = FieldLike> {
  private baseline = new Map<F, string | typeof CHANGED>();
  private editedByComponent = false;

  /** Records the field's value before the user edits it (the first time only). */
  remember(field: F): void {
    if (!this.baseline.has(field)) this.baseline.set(field, fieldValue(field));
  }

  /** A field changed; one never focused counts as changed for good. */
  changed(field: F): void {
    if (!this.baseline.has(field)) this.baseline.set(field, CHANGED);
  }

  /** A component changed the form for the user. */
  edited(): void {
    this.editedByComponent = true;
  }

  /** Whether any touched field differs from its value before the user touched it. */
  isDirty(): boolean {
    if (this.editedByComponent) return true;
    for (const [field, before] of this.baseline) {
      if (field.isConnected === false) continue;
      if (before === CHANGED || fieldValue(field) !== before) return true;
    }
    return false;
  }

  /** Forgets everything (the form was saved). */
  reset(): void {
    this.baseline.clear();
    this.editedByComponent = false;
  }
}

/**
 * What a request to close the dialog (Escape, the close button, a click on the backdrop) does:
 * nothing while it may not close (a task is running) or while the discard question is open,
 * ask first when the form holds changes, else close.
 */
export function onCloseRequest(state: { closable: boolean; dirty: boolean; asking: boolean }): "ignore" | "ask" | "close" {
  if (!state.closable || state.asking) return "ignore";
  return state.dirty ? "ask" : "close";
}
