import type { Check } from '../../engine/check.js';
import { attachmentCheck } from './attachments.js';
import { htmlCheck } from './html.js';
import { mimeCheck } from './mime.js';
import { urlCheck } from './urls.js';

/** The content rule families over the parsed message (MIME, HTML, URLs, attachments). */
export const contentChecks: readonly Check[] = [mimeCheck, htmlCheck, urlCheck, attachmentCheck];
