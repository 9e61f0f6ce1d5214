import type { Config } from '../config/schema.js';
import type { PolicyConfig } from '../config/policies.js';
import { AddressSet } from '../net/address-pattern.js';
import { CidrSet } from '../net/ip.js';
import { policyFromConfig, type Policy } from './decide.js';

/** What a policy is matched against: the envelope of one recipient. */
export interface PolicyContext {
  recipient: string;
  sender: string;
  clientAddress: string | undefined;
  authenticated: boolean;
}

/** The policy that applies to a recipient, with everything that shapes its verdict. */
export interface EffectivePolicy {
  /** `default` when no configured policy matched. */
  name: string;
  policy: Policy;
  spamAction: PolicyConfig['spam_action'];
  spamLover: boolean;
  bypassSpamChecks: boolean;
  virusLover: boolean;
  bypassVirusChecks: boolean;
  subjectTag: boolean;
  /** False when the policy says greylisting: off. */
  greylisting: boolean;
  /**
   * Two recipients with the same key get the same verdict from the same message. Recipients
   * with different keys cannot share one milter verdict (see Session: they are split).
   */
  key: string;
}

interface Compiled {
  config: PolicyConfig;
  effective: EffectivePolicy;
  recipients?: AddressSet;
  senders?: AddressSet;
  clients?: CidrSet;
}

/** The configured policies, compiled once per configuration; the first match applies. */
export class PolicyBook {
  readonly fallback: EffectivePolicy;
  private readonly compiled: Compiled[];

  constructor(config: Pick<Config, 'thresholds' | 'replies' | 'policies'>) {
    this.fallback = effective('default', config, {
      thresholds: {},
      spam_action: 'mark',
      spam_lover: false,
      bypass_spam_checks: false,
      subject_tag: true,
      virus_lover: false,
      bypass_virus_checks: false,
      greylisting: true,
    });
    this.compiled = config.policies.map((p) => {
      const c: Compiled = { config: p, effective: effective(p.name, config, p) };
      if (p.match.recipients) c.recipients = new AddressSet(p.match.recipients);
      if (p.match.senders) c.senders = new AddressSet(p.match.senders);
      if (p.match.clients) c.clients = new CidrSet(p.match.clients);
      return c;
    });
  }

  /** True when some policy exists: recipients must then be answered one by one at RCPT. */
  get active(): boolean {
    return this.compiled.length > 0;
  }

  select(ctx: PolicyContext): EffectivePolicy {
    for (const c of this.compiled) {
      const m = c.config.match;
      if (c.recipients && !c.recipients.has(ctx.recipient)) continue;
      if (c.senders && !c.senders.has(ctx.sender)) continue;
      if (c.clients && !(ctx.clientAddress !== undefined && c.clients.has(ctx.clientAddress))) continue;
      if (m.authenticated !== undefined && m.authenticated !== ctx.authenticated) continue;
      return c.effective;
    }
    return this.fallback;
  }
}

function effective(
  name: string,
  config: Pick<Config, 'thresholds' | 'replies'>,
  p: Pick<PolicyConfig, 'thresholds' | 'spam_action' | 'spam_lover' | 'bypass_spam_checks' | 'subject_tag' | 'virus_lover' | 'bypass_virus_checks' | 'greylisting'>,
): EffectivePolicy {
  const thresholds = { ...config.thresholds };
  for (const [k, v] of Object.entries(p.thresholds)) if (v !== undefined) (thresholds as Record<string, unknown>)[k] = v;
  const policy = policyFromConfig({ thresholds, replies: config.replies });
  const greylisting = p.greylisting !== false && p.greylisting !== 'off';
  const shape = {
    policy: { ...policy, rejectReply: undefined, tempfailReply: undefined, checkFailedReply: undefined },
    spamAction: p.spam_action,
    spamLover: p.spam_lover,
    bypassSpamChecks: p.bypass_spam_checks,
    virusLover: p.virus_lover,
    bypassVirusChecks: p.bypass_virus_checks,
    subjectTag: p.subject_tag,
    greylisting,
  };
  return {
    name,
    policy,
    spamAction: p.spam_action,
    spamLover: p.spam_lover,
    bypassSpamChecks: p.bypass_spam_checks,
    virusLover: p.virus_lover,
    bypassVirusChecks: p.bypass_virus_checks,
    subjectTag: p.subject_tag,
    greylisting,
    key: JSON.stringify(shape),
  };
}
