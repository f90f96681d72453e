/**
 * The one way the dashboard makes DOM: elements with attributes and text set through
 * properties (textContent, setAttribute), never by parsing HTML, so a string from a region
 * (a command line, a counter name, a stack frame) can never become markup or script.
 */

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined> | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === false) continue;
      // No event-handler attributes: listeners are added with addEventListener.
      if (/^on/i.test(name)) throw new Error(`h(): refusing attribute ${name}`);
      if (name === 'class') el.className = String(value);
      else el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

/** Sets an element's text only when it changed (most cells keep their text from one sample to the next). */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

export function setTitle(el: HTMLElement, title: string): void {
  if (el.title !== title) el.title = title;
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

/**
 * Makes `wanted` the children of `parent`, in that order, moving rows only where the order
 * changed (a row kept in place keeps its hover and selection); children not wanted are removed.
 */
export function placeRows(parent: Element, wanted: readonly Element[]): void {
  let cursor = parent.firstElementChild;
  for (const row of wanted) {
    if (cursor === row) cursor = cursor.nextElementSibling;
    else parent.insertBefore(row, cursor);
  }
  while (cursor) {
    const next = cursor.nextElementSibling;
    cursor.remove();
    cursor = next;
  }
}
