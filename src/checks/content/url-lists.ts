// Lists for the URL rules. Each list is short on purpose: what it names is abused far more
// than it is used in the mail people want.

/** Public link shorteners: the link hides where it leads. */
export const SHORTENERS = new Set([
  'bit.ly', 'bitly.com', 'tinyurl.com', 'goo.gl', 't.co', 'ow.ly', 'is.gd', 'v.gd', 'buff.ly', 'rebrand.ly', 'cutt.ly',
  'shorturl.at', 'tiny.cc', 'rb.gy', 'bit.do', 't.ly', 's.id', 'qrco.de', 'shorte.st', 'adf.ly', 'bl.ink', 'short.io',
  'tiny.one', 'tr.im', 'x.co', 'u.to', 'clck.ru', 'urlz.fr', 'soo.gd', 'surl.li', 'shrtco.de', '2no.co', 'lnkd.in',
]);

/**
 * Top-level domains with the highest share of abuse in published rankings (Spamhaus, SURBL,
 * Interisle), cheap or free to register. Not `.link`: the kernel's patch archive lives at msgid.link.
 */
export const SUSPICIOUS_TLDS = new Set([
  'top', 'xyz', 'icu', 'buzz', 'cyou', 'rest', 'monster', 'tk', 'ml', 'ga', 'cf', 'gq', 'work', 'click', 'loan',
  'win', 'bid', 'date', 'racing', 'download', 'review', 'stream', 'trade', 'cam', 'fit', 'country', 'kim', 'men', 'party',
  'science', 'gdn', 'sbs', 'cfd', 'lol', 'quest', 'bond', 'zip', 'mov', 'support', 'beauty', 'hair', 'skin', 'makeup', 'boats',
]);

/** Brands most imitated by phishing, as their names appear in their own domains. */
export const BRANDS = [
  'paypal', 'apple', 'icloud', 'microsoft', 'office365', 'outlook', 'amazon', 'google', 'gmail', 'netflix', 'facebook',
  'instagram', 'whatsapp', 'linkedin', 'ebay', 'wellsfargo', 'chase', 'bankofamerica', 'citibank', 'hsbc', 'barclays',
  'santander', 'dhl', 'fedex', 'usps', 'docusign', 'dropbox', 'adobe', 'binance', 'coinbase', 'metamask', 'americanexpress',
  'mastercard', 'sparkasse', 'postbank', 'booking', 'spotify', 'steam', 'yahoo', 'onedrive', 'sharepoint', 'ups', 'visa',
];
