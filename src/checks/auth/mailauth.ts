// mailauth, loaded on first use: its modules (joi, libmime, nodemailer's parsers) take about
// 175 ms to load, which commands that never verify a message (config, learn) should not pay.
// Only the four verifiers are loaded, not the package index (BIMI, MTA-STS, undici: 300 ms).

type Spf = typeof import('mailauth/lib/spf/index.js');
type DkimVerify = typeof import('mailauth/lib/dkim/verify.js');
type Dmarc = typeof import('mailauth/lib/dmarc/index.js');
type Arc = typeof import('mailauth/lib/arc/index.js');

export interface Mailauth {
  spf: Spf['spf'];
  dkimVerify: DkimVerify['dkimVerify'];
  dmarc: Dmarc['dmarc'];
  arc: Arc['arc'];
}

let loading: Promise<Mailauth> | undefined;

export function mailauth(): Promise<Mailauth> {
  loading ??= Promise.all([
    import('mailauth/lib/spf/index.js'),
    import('mailauth/lib/dkim/verify.js'),
    import('mailauth/lib/dmarc/index.js'),
    import('mailauth/lib/arc/index.js'),
  ]).then(([s, d, m, a]) => ({ spf: s.spf, dkimVerify: d.dkimVerify, dmarc: m.dmarc, arc: a.arc }));
  return loading;
}
