// How an element's inline style shows its text, for the HTML rules: hidden (display:none,
// visibility:hidden, opacity:0, the `hidden` attribute), tiny (font-size of 2 px or less), and
// its colours, inherited from the parent. Only inline `style` attributes and the old
// `font color` / `bgcolor` / `background` attributes are read: no style sheets, no cascade.

export interface Style {
  hidden: boolean;
  tiny: boolean;
  /** Text colour as 0xRRGGBB, if set. */
  fg: number | undefined;
  /** Background colour as 0xRRGGBB, UNKNOWN_BACKGROUND for an image, undefined for the default white. */
  bg: number | undefined;
}

export const ROOT_STYLE: Style = Object.freeze({ hidden: false, tiny: false, fg: undefined, bg: undefined });

/** Characters of a style attribute read. */
const MAX_STYLE = 2048;
/** Longer font-size values are not sizes we read (`12.5px` is 6 characters). */
const MAX_FONT_SIZE_LENGTH = 16;
/** Font sizes at or below this many pixels (or points) count as tiny text. */
const TINY_FONT_PX = 2;
/** Colours closer than this (sum of channel differences) to their background are unreadable. */
const SAME_COLOUR_DISTANCE = 24;

const WHITE = 0xffffff;
/** A background image: its colour is unknown, so no text on it counts as same-coloured. */
const UNKNOWN_BACKGROUND = -1;

const NAMED_COLOURS = new Map<string, number>([
  ['white', 0xffffff], ['black', 0x000000], ['red', 0xff0000], ['green', 0x008000], ['blue', 0x0000ff],
  ['yellow', 0xffff00], ['gray', 0x808080], ['grey', 0x808080], ['silver', 0xc0c0c0], ['snow', 0xfffafa],
  ['ivory', 0xfffff0], ['whitesmoke', 0xf5f5f5], ['ghostwhite', 0xf8f8ff], ['navy', 0x000080],
]);

/** Attributes that change a style; an element with none of them shares its parent's style. */
export const STYLE_ATTRIBUTES = new Set(['style', 'color', 'bgcolor', 'background', 'hidden']);

/** The style of an element: its parent's, changed by its own attributes (the same object if unchanged). */
export function childStyle(parent: Style, element: string, attrs: ReadonlyMap<string, string>): Style {
  let changed = false;
  for (const name of attrs.keys()) if (STYLE_ATTRIBUTES.has(name)) changed = true;
  if (!changed) return parent;
  const style: Style = { ...parent };
  if (attrs.has('hidden')) style.hidden = true;
  if (element === 'font') style.fg = parseColour(attrs.get('color')) ?? style.fg;
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
export function sameColour(style: Style): boolean {
  if (style.fg === undefined || style.bg === UNKNOWN_BACKGROUND) return false;
  const bg = style.bg ?? WHITE;
  const fg = style.fg;
  const distance = Math.abs((fg >> 16) - (bg >> 16)) + Math.abs(((fg >> 8) & 0xff) - ((bg >> 8) & 0xff)) + Math.abs((fg & 0xff) - (bg & 0xff));
  return distance < SAME_COLOUR_DISTANCE;
}
