import { ROOT_STYLE, STYLE_ATTRIBUTES, childStyle, sameColour, type Style } from './css.js';
import { BLOCK, HIDDEN, decodeEntities, isNameChar, tagEnd } from './markup.js';

export { decodeEntities } from './markup.js';

// HTML as a reader sees it, in one pass over the markup: the text (tags removed, block tags
// as line breaks, inline tags as nothing so `vi<b></b>agra` reads "viagra", script, style,
// title and comments dropped, character references decoded; text hidden by style, coloured
// like its background or in a tiny font left out, as it is the words spammers add for filters
// to read and people not to), and for the rules and Bayes the anchors with their text, the
// images and their alt texts, the title, and how much text is visible, hidden or tiny (see
// css.ts). A bounded element stack carries the styles; no regex runs on the markup.

export interface HtmlView {
  text: string;
  anchors: { href: string; text: string }[];
  images: number;
  /** Characters other than white space, by how they are shown. */
  visibleChars: number;
  invisibleChars: number;
  tinyChars: number;
  /** Event-handler attributes (onmouseover= and friends): script that runs when the reader acts. */
  eventHandlers: number;
  /** Links and images whose content is inline (`data:` URIs), hidden from URL checks. */
  dataUris: number;
  /** The first <title>'s text (not shown by mail clients), at most MAX_TITLE characters. */
  title: string;
  /** Images' alt texts, shown where images are blocked: at most MAX_ALTS of MAX_ALT characters. */
  alts: string[];
}

/** Open elements tracked; deeper ones inherit the innermost tracked style. */
const MAX_STACK = 256;
/** Open elements searched for the match of a closing tag: unclosed `<p>`s cannot make it quadratic. */
const MAX_CLOSE_SEARCH = 32;
/** Characters of anchor text kept. */
const MAX_ANCHOR_TEXT = 256;
/** Characters of the title kept. */
const MAX_TITLE = 256;
/** Alt texts kept, and characters of each. */
export const MAX_ALTS = 32;
const MAX_ALT = 256;

/** Elements with no closing tag. */
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
/** Event handlers phishing used to fake the status bar or run code; mail clients ignore them. */
const EVENT_HANDLERS = new Set(['onload', 'onmouseover', 'onmouseout', 'onclick', 'onerror', 'onfocus', 'onsubmit']);
/** Attributes read from tags: style ones, links, image alt texts, and event handlers (recorded as `on`). */
const ATTRIBUTES = new Set([...STYLE_ATTRIBUTES, 'href', 'src', 'alt']);
const NO_ATTRIBUTES: ReadonlyMap<string, string> = new Map();

/** The text of an HTML document as a reader sees it (line structure kept for block elements). */
export function htmlToText(html: string): string {
  return renderHtml(html, 0).text;
}

/** The text and the facts of one HTML document; at most `maxAnchors` anchors are kept. */
export function renderHtml(html: string, maxAnchors: number): HtmlView {
  const view: HtmlView = { text: '', anchors: [], images: 0, visibleChars: 0, invisibleChars: 0, tinyChars: 0, eventHandlers: 0, dataUris: 0, title: '', alts: [] };
  let titled = false;
  const out: string[] = [];
  const names: string[] = [''];
  const styles: Style[] = [ROOT_STYLE];
  let anchor: { href: string; text: string } | undefined;
  let lower: string | undefined; // for finding </script> case-insensitively, made once if needed
  const text = (from: number, to: number) => {
    const decoded = decodeEntities(html.slice(from, to));
    const style = styles[styles.length - 1]!;
    const chars = countInk(decoded);
    if (style.hidden || sameColour(style)) view.invisibleChars += chars;
    else if (style.tiny) view.tinyChars += chars;
    else view.visibleChars += chars;
    out.push(style.hidden || sameColour(style) || style.tiny ? ' ' : decoded);
    if (anchor !== undefined && anchor.text.length < MAX_ANCHOR_TEXT) anchor.text += decoded.slice(0, MAX_ANCHOR_TEXT);
  };
  const closeAnchor = () => {
    if (anchor === undefined) return;
    if (view.anchors.length < maxAnchors) view.anchors.push({ href: anchor.href, text: anchor.text.replace(/\s+/g, ' ').trim() });
    anchor = undefined;
  };
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      text(i, html.length);
      break;
    }
    if (lt > i) text(i, lt);
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    const closing = html.charCodeAt(lt + 1) === 0x2f; /* / */
    let j = lt + (closing ? 2 : 1);
    const nameStart = j;
    while (j < html.length && isNameChar(html.charCodeAt(j))) j++;
    if (j === nameStart && html[nameStart] !== '!' && html[nameStart] !== '?') {
      text(lt, lt + 1); // a lone '<' in text, as browsers show it
      i = lt + 1;
      continue;
    }
    const name = html.slice(nameStart, j).toLowerCase();
    i = tagEnd(html, j);
    if (BLOCK.has(name)) out.push('\n');
    if (closing) {
      if (name === 'a') closeAnchor();
      close(names, styles, name);
      continue;
    }
    if (HIDDEN.has(name)) {
      lower ??= html.toLowerCase();
      const end = lower.indexOf(`</${name}`, i);
      if (name === 'title' && !titled) {
        titled = true;
        view.title = decodeEntities(html.slice(i, Math.min(end < 0 ? html.length : end, i + MAX_TITLE))).trim();
      }
      i = end < 0 ? html.length : tagEnd(html, end);
      continue;
    }
    const attrs = attributes(html, j, i);
    if (attrs.has('on')) view.eventHandlers++;
    if (isDataUri(attrs.get('src')) || isDataUri(attrs.get('href'))) view.dataUris++;
    if (name === 'img') {
      view.images++;
      const alt = attrs.get('alt')?.trim();
      if (alt && view.alts.length < MAX_ALTS) view.alts.push(decodeEntities(alt.slice(0, MAX_ALT)));
    }
    if (name === 'a') {
      closeAnchor();
      const href = attrs.get('href');
      if (href !== undefined) anchor = { href: decodeEntities(href), text: '' };
    } else if (name === 'area') {
      // An image map's link: the picture is its only text.
      const href = attrs.get('href');
      if (href !== undefined && view.anchors.length < maxAnchors) view.anchors.push({ href: decodeEntities(href), text: '' });
    }
    if (!VOID.has(name) && names.length < MAX_STACK) {
      names.push(name);
      styles.push(childStyle(styles[styles.length - 1]!, name, attrs));
    }
  }
  closeAnchor();
  view.text = out.join('');
  return view;
}

/** Characters other than white space (and no-break space). */
function countInk(s: string): number {
  let n = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c > 0x20 && c !== 0xa0) n++;
  }
  return n;
}

/** Closes the innermost open element of that name, and those opened inside it. */
function close(names: string[], styles: Style[], name: string): void {
  const lowest = Math.max(1, names.length - MAX_CLOSE_SEARCH);
  for (let k = names.length - 1; k >= lowest; k--) {
    if (names[k] === name) {
      names.length = k;
      styles.length = k;
      return;
    }
  }
}

function isDataUri(value: string | undefined): boolean {
  return value !== undefined && value.trimStart().slice(0, 5).toLowerCase() === 'data:';
}

/**
 * The attributes the render uses, from the tag text html[from, to); other names are skipped
 * and any event handler is recorded under the name `on`. Most tags have none of them: the map
 * is made only when one is found.
 */
function attributes(html: string, from: number, to: number): ReadonlyMap<string, string> {
  let found: Map<string, string> | undefined;
  let i = from;
  while (i < to) {
    const c = html.charCodeAt(i);
    if (c <= 0x20 || c === 0x2f /* / */ || c === 0x3e /* > */) {
      i++;
      continue;
    }
    const nameStart = i;
    while (i < to && html.charCodeAt(i) > 0x20 && html[i] !== '=' && html[i] !== '>' && html[i] !== '/') i++;
    const name = html.slice(nameStart, i).toLowerCase();
    while (i < to && html.charCodeAt(i) <= 0x20) i++;
    let value = '';
    if (html[i] === '=') {
      i++;
      while (i < to && html.charCodeAt(i) <= 0x20) i++;
      const quote = html[i];
      if (quote === '"' || quote === "'") {
        const end = html.indexOf(quote, i + 1);
        const stop = end < 0 || end > to ? to : end;
        value = html.slice(i + 1, stop);
        i = stop + 1;
      } else {
        const start = i;
        while (i < to && html.charCodeAt(i) > 0x20 && html[i] !== '>') i++;
        value = html.slice(start, i);
      }
    }
    if (i === nameStart) i++; // a lone '=' or quote: step over it
    const key = ATTRIBUTES.has(name) ? name : EVENT_HANDLERS.has(name) ? 'on' : undefined;
    if (key !== undefined) {
      found ??= new Map();
      if (!found.has(key)) found.set(key, value);
    }
  }
  return found ?? NO_ATTRIBUTES;
}
