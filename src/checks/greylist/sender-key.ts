// The envelope sender as greylisting keys it, normalised as postgrey does so that the retry of
// one message, and the next message of one sender, find the same record: lowercase; BATV tags
// (prvs=, msprvs1=, btv1==) dropped; +extensions dropped; numbers standing alone in the local
// part (per-message ids of bounce and list addresses) replaced by #.

const BATV = /^(?:prvs|msprvs1)=[0-9a-z]+=(.+)$|^btv1==[0-9a-z]+==(.+)$/;

export function normaliseSender(address: string): string {
  const lower = address.trim().toLowerCase();
  const at = lower.lastIndexOf('@');
  if (at < 0) return lower;
  let local = lower.slice(0, at);
  const domain = lower.slice(at + 1);
  const batv = BATV.exec(local);
  if (batv) local = batv[1] ?? batv[2]!;
  const plus = local.indexOf('+');
  if (plus > 0) local = local.slice(0, plus);
  local = local.replace(/\b\d+\b/g, '#');
  return `${local}@${domain}`;
}

export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}
