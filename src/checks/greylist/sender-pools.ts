import { CidrSet } from '../../net/ip.js';

// Big senders deliver from pools of addresses and retry from a different one each time, so
// classic greylisting (keyed on the client network) would delay them for hours and they are
// not spam sources greylisting stops. They pass ungreylisted when the client name the MTA
// verified (forward-confirmed reverse DNS) ends in one of these suffixes, or the address is in
// one of these networks. `greylisting.sender_pools.defaults: false` drops this list; the
// admin's own entries come on top (greylisting.sender_pools.hostnames, .networks).

export const DEFAULT_POOL_HOSTNAMES: readonly string[] = [
  '.google.com', // Gmail and Google Workspace outbound: mail-*.google.com
  '.outbound.protection.outlook.com', // Microsoft 365 / Exchange Online
  '.hotmail.com', // Outlook.com consumer mail (older hosts)
  '.amazonses.com', // Amazon SES: a*-*.smtp-out.amazonses.com
  '.sendgrid.net', // SendGrid (Twilio)
  '.mailgun.net', // Mailgun: m*.mailgun.net
  '.mcsv.net', // Mailchimp / Mandrill
  '.rsgsv.net', // Mailchimp
  '.mandrillapp.com', // Mandrill transactional mail
  '.yahoo.com', // Yahoo Mail
  '.mail.icloud.com', // Apple iCloud Mail
  '.facebookmail.com', // Facebook and Instagram notifications
  '.linkedin.com', // LinkedIn notifications
  '.postmarkapp.com', // Postmark
  '.sparkpostmail.com', // SparkPost (Bird)
  '.exacttarget.com', // Salesforce Marketing Cloud
];

export const DEFAULT_POOL_NETWORKS: readonly string[] = [
  '209.85.128.0/17', // Google (its SPF netblocks)
  '74.125.0.0/16', // Google
  '2607:f8b0::/32', // Google IPv6
  '40.92.0.0/15', // Microsoft 365 (spf.protection.outlook.com)
  '40.107.0.0/16', // Microsoft 365
  '52.100.0.0/14', // Microsoft 365
  '104.47.0.0/17', // Microsoft 365
  '2a01:111:f400::/48', // Microsoft 365 IPv6
];

/** The sender pools of the config: the shipped list (unless turned off) and the admin's own. */
export class SenderPools {
  private readonly suffixes: string[];
  private readonly networks: CidrSet;

  constructor(o: { defaults: boolean; hostnames: readonly string[]; networks: readonly string[] }) {
    const names = [...(o.defaults ? DEFAULT_POOL_HOSTNAMES : []), ...o.hostnames];
    this.suffixes = names.map((n) => (n.startsWith('.') ? n : `.${n}`).toLowerCase());
    this.networks = new CidrSet([...(o.defaults ? DEFAULT_POOL_NETWORKS : []), ...o.networks]);
  }

  /** The entry the client matches, or undefined. `hostname` is the MTA's verified client name. */
  match(address: string, hostname: string | undefined): string | undefined {
    const name = (hostname ?? '').toLowerCase().replace(/\.$/, '');
    // Postfix says "unknown" and Sendmail brackets the address when the name is not verified.
    if (name !== '' && name !== 'unknown' && !name.startsWith('[')) {
      const suffix = this.suffixes.find((s) => name.endsWith(s));
      if (suffix !== undefined) return suffix;
    }
    return this.networks.match(address)?.entry;
  }
}
