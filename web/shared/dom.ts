/** The element with `id`, checked to be of `type` (a page whose HTML lost it fails at once, by name). */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`#${id} is missing or not a ${type.name}`);
  return element;
}

/** Shows exactly one of `views`, moves focus to its heading for keyboard and screen-reader users. */
export function showView(views: readonly HTMLElement[], shown: HTMLElement): void {
  for (const view of views) view.hidden = view !== shown;
  const heading = shown.querySelector<HTMLElement>('h2');
  if (heading) {
    heading.tabIndex = -1;
    heading.focus();
  }
}
