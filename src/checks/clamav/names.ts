// What a name clamd reports means. Its heuristic results (an encrypted archive, macros, a scan
// limit reached, phishing) are evidence, not viruses: as scored symbols they add to the score
// instead of rejecting every password-protected zip.

export type HeuristicSymbol = 'CLAMAV_ENCRYPTED' | 'CLAMAV_MACROS' | 'CLAMAV_LIMITS' | 'CLAMAV_PHISHING' | 'CLAMAV_HEURISTIC';

/** The symbol of a heuristic result, or undefined for a signature match (a virus). */
export function heuristicSymbol(name: string): HeuristicSymbol | undefined {
  if (/phishing/i.test(name)) return 'CLAMAV_PHISHING';
  if (!name.startsWith('Heuristics.')) return undefined;
  if (name.startsWith('Heuristics.Encrypted.')) return 'CLAMAV_ENCRYPTED';
  if (/^Heuristics\.(OLE2|Office)\..*Macro/i.test(name)) return 'CLAMAV_MACROS';
  if (name.startsWith('Heuristics.Limits.')) return 'CLAMAV_LIMITS';
  return 'CLAMAV_HEURISTIC';
}

/**
 * A virus name as it may appear in an SMTP reply and a header: printable ASCII without the
 * characters that would break either, at most 100 characters (clamd's names are far shorter).
 */
export function safeVirusName(name: string): string {
  const clean = name.replace(/[^\x21-\x7e]+/g, '_').replace(/[()<>"\\]/g, '_');
  return (clean || 'unknown').slice(0, 100);
}
