import type { Check, Hit, SymbolDef } from '../../engine/check.js';
import { partsOf } from '../../message/parts.js';

// How an HTML message shows itself: HTML with no text alternative, pictures instead of words,
// and text hidden from the reader (but not from a filter's tokenizer) or printed too small to
// read, and active content mail clients do not run. Thresholds measured on the development corpus (bench/symbol-hits.ts).

/** Below this many visible characters an HTML message with images says little in words. */
const IMAGE_ONLY_MAX_CHARS = 200;
/** Below this many visible characters per image, the images carry the message. */
const IMAGE_HEAVY_CHARS_PER_IMAGE = 150;
/** Images needed before the per-image ratio means anything. */
const IMAGE_HEAVY_MIN_IMAGES = 3;
/** Hidden characters needed: a newsletter's hidden preheader line is shorter. */
const INVISIBLE_MIN_CHARS = 200;
/** Hidden text must also be this share of all HTML text. */
const INVISIBLE_MIN_SHARE = 0.1;
/** Tiny characters needed. */
const TINY_MIN_CHARS = 100;

const symbols: Record<string, SymbolDef> = {
  HTML_ONLY: { score: 1.0, description: 'HTML without a text/plain alternative' },
  HTML_IMAGE_ONLY: { score: 2.3, description: 'HTML with images and almost no text' },
  HTML_IMAGE_HEAVY: { score: 0.0, description: 'HTML with little text for its many images' },
  HTML_INVISIBLE_TEXT: { score: 2.0, description: 'HTML hides much of its text (display:none, hidden, or coloured like its background)' },
  HTML_TINY_TEXT: { score: 1.1, description: 'HTML text in a font too small to read' },
  HTML_EVENT_HANDLER: { score: 0.2, description: 'HTML with script in event handlers (onmouseover=...), as phishing used to fake the status bar' },
  HTML_DATA_URI: { score: 0.5, description: 'HTML link or image with inline data: content' },
};

/** HTML presentation tricks. */
export const htmlCheck: Check = {
  name: 'html',
  stage: 'eom',
  needsBody: true,
  symbols,
  run({ message, log }) {
    const parts = partsOf(message, log);
    if (parts.html.length === 0) return [];
    const hits: Hit[] = [];
    const { visible, invisible, tiny } = parts.htmlChars;
    if (parts.plainChars === 0) hits.push({ symbol: 'HTML_ONLY' });
    const shown = visible + parts.plainChars;
    if (parts.images > 0 && shown < IMAGE_ONLY_MAX_CHARS) hits.push({ symbol: 'HTML_IMAGE_ONLY', detail: `${parts.images} images, ${shown} characters` });
    else if (parts.images >= IMAGE_HEAVY_MIN_IMAGES && shown < parts.images * IMAGE_HEAVY_CHARS_PER_IMAGE) {
      hits.push({ symbol: 'HTML_IMAGE_HEAVY', detail: `${parts.images} images, ${shown} characters` });
    }
    if (invisible >= INVISIBLE_MIN_CHARS && invisible >= (visible + invisible + tiny) * INVISIBLE_MIN_SHARE) {
      hits.push({ symbol: 'HTML_INVISIBLE_TEXT', detail: `${invisible} of ${visible + invisible + tiny} characters` });
    }
    if (tiny >= TINY_MIN_CHARS) hits.push({ symbol: 'HTML_TINY_TEXT', detail: `${tiny} characters` });
    if (parts.htmlEventHandlers > 0) hits.push({ symbol: 'HTML_EVENT_HANDLER' });
    if (parts.htmlDataUris > 0) hits.push({ symbol: 'HTML_DATA_URI' });
    return hits;
  },
};
