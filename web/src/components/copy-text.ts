/**
 * Copies text for the operator. navigator.clipboard exists only in a secure context (HTTPS or loopback): over
 * plain HTTP elsewhere the field holding the text is selected instead, so Ctrl+C (or a long press) copies it.
 * Answers whether the text is on the clipboard.
 */
export async function copyText(text: string, field: HTMLInputElement | null): Promise<boolean> {
  if (navigator.clipboard) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Refused (no permission, page not focused): fall through to selecting the field.
    }
  }
  field?.focus();
  field?.select();
  return false;
}
