import { HIDDEN, decodeEntities, isNameChar, tagEnd } from './html.js';

// What an HTML part shows and hides, for the HTML rules: anchors with their text, images, and
// how much text is visible, invisible (display:none, visibility:hidden, text coloured like its
// background) or tiny. One pass over the markup with a bounded element stack; styles are read
// from inline `style` attributes and the old `font color` / `bgcolor` attributes only.

export interface HtmlFacts {
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
}

/** Open elements tracked; deeper ones inherit the innermost tracked style. */
const MAX_STACK = 256;
/** Open elements searched for the match of a closing tag: unclosed `<p>`s cannot make it quadratic. */
const MAX_CLOSE_SEARCH = 32;
/** Characters of anchor text kept. */
const MAX_ANCHOR_TEXT = 256;
/** Characters of a style attribute read. */
const MAX_STYLE = 2048;
/** Font sizes at or below this many pixels (or points) count as tiny text. */
const TINY_FONT_PX = 2;
/** Longer font-size values are not sizes we read (`12.5px` is 6 characters). */
const MAX_FONT_SIZE_LENGTH = 16;
/** Colours closer than this (sum of channel differences) to their background are unreadable. */
const SAME_COLOUR_DISTANCE = 24;

/** Elements with no closing tag. */
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
const ATTRIBUTES = new Set(['style', 'color', 'bgcolor', 'background', 'href', 'src', 'hidden']);
/** Event handlers phishing used to fake the status bar or run code; mail clients ignore them. */
const EVENT_HANDLERS = new Set(['onload', 'onmouseover', 'onmouseout', 'onclick', 'onerror', 'onfocus', 'onsubmit']);

const WHITE = 0xffffff;
/** A background image: its colour is unknown, so no text on it counts as same-coloured. */
const UNKNOWN_BACKGROUND = -1;

const NAMED_COLOURS = new Map<string, number>([
  ['white', 0xffffff], ['black', 0x000000], ['red', 0xff0000], ['green', 0x008000], ['blue', 0x0000ff],
  ['yellow', 0xffff00], ['gray', 0x808080], ['grey', 0x808080], ['silver', 0xc0c0c0], ['snow', 0xfffafa],
  ['ivory', 0xfffff0], ['whitesmoke', 0xf5f5f5], ['ghostwhite', 0xf8f8ff], ['navy', 0x000080],
]);

interface Style {
  name: string;
  hidden: boolean;
  tiny: boolean;
  fg: number | undefined;
  bg: number | undefined;
}

/** The facts of one HTML document; at most `maxAnchors` anchors are kept. */
export function scanHtml(html: string, maxAnchors: number): HtmlFacts {
  const facts: HtmlFacts = { anchors: [], images: 0, visibleChars: 0, invisibleChars: 0, tinyChars: 0, eventHandlers: 0, dataUris: 0 };
  const stack: Style[] = [{ name: '', hidden: false, tiny: false, fg: undefined, bg: undefined }];
  let anchor: { href: string; text: string } | undefined;
  let lower: string | undefined;
  const text = (from: number, to: number) => {
    const top = stack[stack.length - 1]!;
    const chars = countInk(html, from, to);
    if (top.hidden || sameColour(top)) facts.invisibleChars += chars;
    else if (top.tiny) facts.tinyChars += chars;
    else facts.visibleChars += chars;
    if (anchor !== undefined && anchor.text.length < MAX_ANCHOR_TEXT) {
      anchor.text += decodeEntities(html.slice(from, Math.min(to, from + MAX_ANCHOR_TEXT)));
    }
  };
  const closeAnchor = () => {
    if (anchor === undefined) return;
    if (facts.anchors.length < maxAnchors) facts.anchors.push({ href: anchor.href, text: anchor.text.replace(/\s+/g, ' ').trim() });
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
      text(lt, lt + 1); // a lone '<' is text
      i = lt + 1;
      continue;
    }
    const name = html.slice(nameStart, j).toLowerCase();
    i = tagEnd(html, j);
    if (closing) {
      if (name === 'a') closeAnchor();
      close(stack, name);
      continue;
    }
    if (HIDDEN.has(name)) {
      lower ??= html.toLowerCase();
      const end = lower.indexOf(`</${name}`, i);
      i = end < 0 ? html.length : tagEnd(html, end);
      continue;
    }
    const attrs = attributes(html, j, i);
    if (attrs.has('on')) facts.eventHandlers++;
    if (isDataUri(attrs.get('src')) || isDataUri(attrs.get('href'))) facts.dataUris++;
    if (name === 'img') facts.images++;
    if (name === 'a') {
      closeAnchor();
      const href = attrs.get('href');
      if (href !== undefined) anchor = { href: decodeEntities(href), text: '' };
    }
    if (!VOID.has(name) && stack.length < MAX_STACK) stack.push(derive(stack[stack.length - 1]!, name, attrs));
  }
  closeAnchor();
  return facts;
}

/** Characters other than white space (and no-break space) in html[from, to). */
function countInk(html: string, from: number, to: number): number {
  let n = 0;
  for (let k = from; k < to; k++) {
    const c = html.charCodeAt(k);
    if (c > 0x20 && c !== 0xa0) n++;
  }
  return n;
}

function close(stack: Style[], name: string): void {
  const lowest = Math.max(1, stack.length - MAX_CLOSE_SEARCH);
  for (let k = stack.length - 1; k >= lowest; k--) {
    if (stack[k]!.name === name) {
      stack.length = k;
      return;
    }
  }
}

function isDataUri(value: string | undefined): boolean {
  return value !== undefined && value.trimStart().slice(0, 5).toLowerCase() === 'data:';
}

/**
 * The attributes the scan uses, from the tag text html[from, to); other names are skipped.
 * Any event handler is recorded under the name `on`.
 */
function attributes(html: string, from: number, to: number): Map<string, string> {
  const found = new Map<string, string>();
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
    if (ATTRIBUTES.has(name) && !found.has(name)) found.set(name, value);
    else if (EVENT_HANDLERS.has(name)) found.set('on', value);
  }
  return found;
}

/** The style of an element: its parent's, changed by its own attributes. */
function derive(parent: Style, name: string, attrs: Map<string, string>): Style {
  const style: Style = { name, hidden: parent.hidden || attrs.has('hidden'), tiny: parent.tiny, fg: parent.fg, bg: parent.bg };
  if (name === 'font') style.fg = parseColour(attrs.get('color')) ?? style.fg;
  style.bg = parseColour(attrs.get('bgcolor')) ?? style.bg;
  if (attrs.has('background')) style.bg = UNKNOWN_BACKGROUND;
  const css = attrs.get('style');
  if (css !== undefined) applyCss(style, css.slice(0, MAX_STYLE).toLowerCase());
  return style;
}

function applyCss(style: Style, css: string): void {
  for (const declaration of css.split(';')) {
    const colon = declaration.indexOf(':');
    if (colon < 0) continue;
    const property = declaration.slice(0, colon).trim();
    const value = declaration.slice(colon + 1).replace('!important', '').trim();
    switch (property) {
      case 'display':
        if (value === 'none') style.hidden = true;
        break;
      case 'visibility':
        if (value === 'hidden' || value === 'collapse') style.hidden = true;
        break;
      case 'opacity':
        if (Number(value) === 0) style.hidden = true;
        break;
      case 'font-size': {
        const px = fontPixels(value);
        if (px !== undefined && px <= TINY_FONT_PX) style.tiny = true;
        break;
      }
      case 'color':
        style.fg = parseColour(value) ?? style.fg;
        break;
      case 'background-color':
        style.bg = parseColour(value) ?? style.bg;
        break;
      case 'background':
      case 'background-image':
        style.bg = value.includes('url(') ? UNKNOWN_BACKGROUND : parseColour(value.split(' ')[0]) ?? style.bg;
        break;
    }
  }
}

/** A CSS font size in pixels (pt taken as px, em and % against 16 px); undefined for keywords. */
function fontPixels(value: string): number | undefined {
  if (value.length > MAX_FONT_SIZE_LENGTH) return undefined;
  const m = /^([0-9]*\.?[0-9]+)\s*(px|pt|em|rem|%)?$/.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  if (m[2] === 'em' || m[2] === 'rem') return n * 16;
  if (m[2] === '%') return (n / 100) * 16;
  return n;
}

/** `#fff`, `#ffffff`, `ffffff`, `rgb(255, 255, 255)` or a common colour name as 0xRRGGBB. */
function parseColour(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  const hex = /^#?([0-9a-f]{6}|[0-9a-f]{3})$/.exec(v);
  if (hex) {
    const h = hex[1]!;
    return parseInt(h.length === 3 ? h[0]! + h[0]! + h[1]! + h[1]! + h[2]! + h[2]! : h, 16);
  }
  const rgb = /^rgba?\(\s*([0-9]{1,3})\s*,\s*([0-9]{1,3})\s*,\s*([0-9]{1,3})\s*[,)]/.exec(v);
  if (rgb) return (Math.min(255, Number(rgb[1])) << 16) | (Math.min(255, Number(rgb[2])) << 8) | Math.min(255, Number(rgb[3]));
  return NAMED_COLOURS.get(v);
}

/** Text drawn in (nearly) the colour of its background. */
function sameColour(style: Style): boolean {
  if (style.fg === undefined || style.bg === UNKNOWN_BACKGROUND) return false;
  const bg = style.bg ?? WHITE;
  const fg = style.fg;
  const distance = Math.abs((fg >> 16) - (bg >> 16)) + Math.abs(((fg >> 8) & 0xff) - ((bg >> 8) & 0xff)) + Math.abs((fg & 0xff) - (bg & 0xff));
  return distance < SAME_COLOUR_DISTANCE;
}
