/**
 * The pages' toasts: the seed's four kinds (success green, error red, warning yellow, info blue).
 * Success and info are announced politely (role="status"); errors and warnings interrupt
 * (role="alert"). Each stays TOAST_MS unless dismissed (its × button, or the returned function).
 */

export type ToastKind = 'success' | 'error' | 'warning' | 'info';

const TOAST_MS = 6_000;
const ICONS: Record<ToastKind, string> = { success: '✅', error: '❌', warning: '⚠️', info: 'ℹ️' };

/** The two live regions, made once inside the page's `.toasts` container (or the body). */
function region(urgent: boolean): HTMLElement {
  const id = urgent ? 'toasts-urgent' : 'toasts-polite';
  const existing = document.getElementById(id);
  if (existing) return existing;
  const created = document.createElement('div');
  created.id = id;
  created.className = 'toast-region';
  created.setAttribute('role', urgent ? 'alert' : 'status');
  created.setAttribute('aria-live', urgent ? 'assertive' : 'polite');
  (document.querySelector('.toasts') ?? document.body).append(created);
  return created;
}

/** Shows `text` as a toast of `kind`; returns a function that removes it early. */
export function toast(kind: ToastKind, text: string): () => void {
  const item = document.createElement('div');
  item.className = `toast toast--${kind}`;
  item.dataset.kind = kind;
  const icon = document.createElement('span');
  icon.className = 'toast__icon';
  icon.setAttribute('aria-hidden', 'true');
  icon.textContent = ICONS[kind];
  const message = document.createElement('p');
  message.className = 'toast__text';
  message.textContent = text;
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'toast__close';
  close.setAttribute('aria-label', 'Dismiss');
  close.textContent = '×';
  item.append(icon, message, close);

  const dismiss = () => {
    clearTimeout(timer);
    item.remove();
  };
  const timer = setTimeout(dismiss, TOAST_MS);
  close.addEventListener('click', dismiss);
  region(kind === 'error' || kind === 'warning').append(item);
  return dismiss;
}
