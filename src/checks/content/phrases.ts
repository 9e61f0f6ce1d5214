// Phrase families of spam, scam and phishing text in English, German, Dutch, Portuguese,
// Spanish and French, matched on the lower-cased decoded text (textOf: white space already
// collapsed to one character, so `\s` stands for any run of it).
//
// Every pattern is an alternation of literal phrases with at most bounded gaps ({0,n}) and
// single-character classes: no quantified group can match the same text two ways, so matching
// is linear in the text (irregexp backtracks at most the length of the longest phrase).

/** A phrase family: one symbol, its phrases as regex sources without capturing groups. */
export interface PhraseFamily {
  symbol: string;
  score: number;
  description: string;
  phrases: readonly string[];
}

/** A word boundary gap of one white-space character. */
const _ = '\\s';
/** Up to two words between parts of a phrase ("your paypal account", "your e-mail account"). */
const W2 = "(?:\\s[\\p{L}\\p{N}'’-]{1,20}){0,2}\\s";

/**
 * Large sums of money: a currency and a number of a million or more, written out
 * ("$1,000,000", "10.500.000,00 eur") or with a word ("us$ 10.5 million", "2,5 millionen euro").
 * Each group repeats a fixed-width unit, so the match is linear.
 */
const CURRENCY = '(?:us\\$|usd|\\$|€|eur|euros?|£|gbp|dollars?|dólares|pounds)';
const MILLION = '(?:m|mio|million|millions|billion|millionen|miljoen|milhões|milhão|millones|millón)';
const MONEY_DIGITS = [
  `${CURRENCY}\\s?\\d{1,3}(?:[,.' ]\\d{3}){2,4}`,
  `\\d{1,3}(?:[,.' ]\\d{3}){2,4}(?:[.,]\\d{2})?\\s?${CURRENCY}`,
];
/** The same in words: news ham writes sums this way too ("$38 billion"). */
const MONEY_WORDS = [
  `${CURRENCY}\\s?\\d{1,3}(?:[.,]\\d{1,3})?\\s?${MILLION}`,
  `\\d{1,3}(?:[.,]\\d{1,3})?\\s?${MILLION}\\s(?:us\\s|of\\s|de\\s)?${CURRENCY}`,
];

export const PHRASE_FAMILIES: readonly PhraseFamily[] = [
  {
    symbol: 'BODY_URGENCY',
    score: 0.4,
    description: 'Urgency: act now, limited time, expires today (several languages)',
    phrases: [
      `act${_}now`, `act${_}fast`, `limited${_}time${_}(?:only|offer)`, `offer${_}expires`, `expires${_}(?:today|soon|in${_}24)`,
      `don['’]t${_}miss${_}(?:out|this)`, `last${_}chance`, `within${_}(?:24|48|72)${_}hours`, `respond${_}immediately`, `immediate${_}action`,
      `jetzt${_}handeln`, `nur${_}(?:noch${_})?heute`, `zeitlich${_}begrenzt`, `letzte${_}chance`, `sofort${_}handeln`, `innerhalb${_}von${_}(?:24|48)${_}stunden`,
      `laatste${_}kans`, `alleen${_}vandaag`, `binnen${_}(?:24|48)${_}uur`, `direct${_}actie`,
      `última${_}chance`, `somente${_}hoje`, `só${_}hoje`, `tempo${_}limitado`, `aja${_}agora`, `em${_}(?:24|48)${_}horas`,
      `última${_}oportunidad`, `solo${_}hoy`, `tiempo${_}limitado`, `actúe${_}ahora`, `en${_}(?:24|48)${_}horas`,
      `dernière${_}chance`, `offre${_}limitée`, `aujourd['’]hui${_}seulement`, `sous${_}(?:24|48)${_}heures`, `agissez${_}maintenant`,
    ],
  },
  {
    symbol: 'BODY_FREE_OFFER',
    score: 0.0,
    description: 'Offers: 100% free, risk-free, no obligation, guaranteed (several languages)',
    phrases: [
      `100%${_}(?:free|gratis|kostenlos|gratuit|grátis|garantiert|guaranteed|satisfaction)`, `absolutely${_}free`, `risk[-\\s]free`,
      `no${_}obligation`, `no${_}strings${_}attached`, `money[-\\s]back${_}guarantee`, `satisfaction${_}guaranteed`, `free${_}(?:gift|bonus)`,
      `special${_}promotion`, `order${_}(?:now|today)`,
      `völlig${_}kostenlos`, `gratis${_}(?:geschenk|testen)`, `unverbindlich`, `ohne${_}risiko`, `jetzt${_}bestellen`,
      `helemaal${_}gratis`, `geheel${_}gratis`, `zonder${_}risico`, `nu${_}bestellen`,
      `totalmente${_}grátis`, `inteiramente${_}grátis`, `compre${_}agora`, `sem${_}risco`, `oferta${_}especial`,
      `totalmente${_}gratis`, `compre${_}ahora`, `sin${_}riesgo`, `sin${_}compromiso`,
      `entièrement${_}gratuit`, `totalement${_}gratuit`, `sans${_}engagement`, `sans${_}risque`, `commandez${_}maintenant`,
    ],
  },
  {
    symbol: 'BODY_MONEY_MAKING',
    score: 0.5,
    description: 'Money making, income and credit offers (several languages)',
    phrases: [
      `make${_}money`, `earn${_}(?:extra${_})?(?:money|cash|\\$)`, `extra${_}income`, `work${_}from${_}home`, `financial${_}freedom`,
      `double${_}your${_}(?:money|income)`, `be${_}your${_}own${_}boss`, `no${_}credit${_}check`, `lower${_}your${_}(?:mortgage|payments?|rate)`,
      `consolidate${_}(?:your${_})?debt`, `eliminate${_}(?:your${_})?debt`, `cash${_}bonus`, `investment${_}opportunity`, `get${_}paid`,
      `geld${_}verdienen`, `nebenverdienst`, `passives${_}einkommen`, `finanzielle${_}freiheit`,
      `geld${_}verdienen${_}vanuit${_}huis`, `extra${_}inkomen`, `snel${_}geld`,
      `ganhe${_}dinheiro`, `renda${_}extra`, `dinheiro${_}fácil`, `liberdade${_}financeira`,
      `gana${_}dinero`, `ingresos${_}extra`, `dinero${_}fácil`, `libertad${_}financiera`,
      `gagner${_}de${_}l['’]argent`, `revenu${_}(?:supplémentaire|complémentaire)`, `argent${_}facile`, `liberté${_}financière`,
    ],
  },
  {
    symbol: 'BODY_ADVANCE_FEE',
    score: 0.6,
    description: 'Advance-fee (419) fraud: inheritance, next of kin, transfer of funds (several languages)',
    phrases: [
      `next${_}of${_}kin`, `(?:late|deceased)${_}(?:husband|father|client|customer|mother|wife)`, `transfer${_}of${_}(?:the${_})?(?:sum|funds?)`,
      `(?:sum|amount)${_}of${_}(?:us)?\\$?\\d`, `beneficiary`, `barrister`, `diplomatic${_}(?:courier|agent)`, `foreign${_}partner`,
      `strictly${_}confidential`, `confidential${_}business`, `business${_}proposal`, `consignment${_}box`, `dormant${_}account`, `unclaimed${_}(?:funds?|inheritance)`,
      `security${_}company`, `atm${_}card`, `(?:mutual|joint)${_}(?:business|investment)`,
      `erbschaft`, `nachlass`, `verstorbenen`, `nalatenschap`, `erfenis`, `herança`, `falecido`, `herencia`, `fallecido`, `héritage`, `défunt`,
    ],
  },
  {
    symbol: 'BODY_LOTTERY',
    score: 0.0,
    description: 'Lottery or prize win: you have won, claim your prize (several languages)',
    phrases: [
      `you${_}(?:have${_}|['’]ve${_})?won`, `winning${_}(?:number|ticket|notification)`, `claim${_}your${_}(?:prize|reward|winnings|gift)`,
      `lottery`, `sweepstakes?`, `lucky${_}winner`, `you${_}(?:have${_}|['’]ve${_})?been${_}(?:selected|chosen)`, `cash${_}prize`,
      `sie${_}haben${_}gewonnen`, `gewinner`, `gewinnspiel`, `ihr${_}gewinn`, `lotterie`,
      `u${_}heeft${_}gewonnen`, `je${_}hebt${_}gewonnen`, `winnaar`, `loterij`,
      `você${_}ganhou`, `voce${_}ganhou`, `ganhador`, `sorteio`, `loteria`, `prêmio`,
      `has${_}ganado`, `ha${_}ganado`, `ganador`, `lotería`, `premio`, `sorteo`,
      `vous${_}avez${_}gagné`, `gagnant`, `loterie`, `tirage${_}au${_}sort`,
    ],
  },
  {
    symbol: 'BODY_ACCOUNT_PHISH',
    score: 1.6,
    description: 'Account phishing: verify your account, account suspended, unusual activity (several languages)',
    phrases: [
      `(?:verify|confirm|validate|update|reactivate|restore|unlock)${W2}(?:account|identity|information|details|mailbox|password|billing)`,
      `account${W2}(?:has${_}been${_}|was${_}|will${_}be${_})?(?:suspended|locked|limited|disabled|deactivated|terminated|closed|blocked|restricted|compromised)`,
      `(?:unusual|suspicious|unauthori[sz]ed)${_}(?:sign-in${_}|login${_}|log-in${_})?(?:activity|access|attempts?|transactions?)`,
      `password${_}(?:will${_})?expires?`, `mailbox${_}(?:is${_})?(?:full|quota)`, `storage${_}(?:is${_})?(?:full|quota)`, `security${_}(?:alert|notice|measure)`,
      `failure${_}to${_}(?:comply|verify|update|confirm)`, `attempts?${_}to${_}log${_}?in`,
      `(?:fill${_}in|enter|submit|provide)${W2}(?:card${_}information|pin|cvv2?|social${_}security${_}number|credit${_}card${_}(?:number|details|information))`,
      `(?:to${_}avoid|prevent)${W2}(?:suspension|termination|interruption|deactivation|cancellation)`,
      `konto${W2}(?:gesperrt|eingeschränkt|deaktiviert)`, `(?:bestätigen|verifizieren|aktualisieren)${_}sie${W2}(?:konto|daten|identität)`, `ungewöhnliche${_}aktivität`,
      `account${W2}(?:geblokkeerd|opgeschort)`, `(?:verifieer|bevestig)${W2}(?:account|gegevens|identiteit)`,
      `conta${W2}(?:bloqueada|suspensa|desativada)`, `(?:confirme|atualize|verifique)${W2}(?:conta|dados|cadastro|identidade)`,
      `cuenta${W2}(?:bloqueada|suspendida|desactivada)`, `(?:confirme|actualice|verifique)${W2}(?:cuenta|datos|identidad)`,
      `compte${W2}(?:bloqué|suspendu|désactivé)`, `(?:confirmez|vérifiez|mettez${_}à${_}jour)${W2}(?:compte|informations|identité|données)`,
    ],
  },
  {
    symbol: 'BODY_GENERIC_GREETING',
    score: 1.3,
    description: 'A greeting to nobody in particular: Dear customer, Prezado cliente, Sehr geehrter Kunde (several languages)',
    phrases: [
      `dear${_}(?:valued${_})?(?:customer|client|user|member|account${_}holder|card${_}holder|cardholder|sir${_}or${_}madam|sir/madam|beneficiary|winner)`,
      `sehr${_}geehrte[rs]?${_}(?:kunde|kundin|nutzer|mitglied)`, `liebe[rs]?${_}(?:kunde|kundin|nutzer)`, `beste${_}(?:klant|gebruiker)`, `geachte${_}klant`,
      `prezad[oa]${_}(?:cliente|usuário|usuario)`, `car[oa]${_}cliente`, `estimad[oa]${_}(?:cliente|usuario)`, `querid[oa]${_}cliente`,
      `cher${_}client`, `chère${_}cliente`, `cher${_}utilisateur`,
    ],
  },
  {
    symbol: 'BODY_GREETING_ADDRESS',
    score: 0.0,
    description: 'A greeting to an e-mail address (Dear bob@example.com): written by a program, not a person',
    phrases: [`(?:dear|hello|hi|hallo|hola|olá|oi|bonjour|beste|lieber?|querid[oa]|prezad[oa])[,:]?${_}[a-z0-9._%+-]{1,64}@[a-z0-9-]{1,63}(?:\\.[a-z0-9-]{1,63}){1,5}`],
  },
  {
    symbol: 'BODY_PHARMA',
    score: 1.3,
    description: 'Drugs and body-enhancement offers: viagra, online pharmacy, no prescription, replica watches',
    phrases: [
      `viagra`, `cialis`, `levitra`, `phentermine`, `online${_}pharmacy`, `no${_}prescription(?:${_}needed)?`, `without${_}(?:a${_})?prescription`,
      `replica${_}(?:watch(?:es)?|rolex|handbags?)`, `penis${_}(?:enlargement|enhancement|size)`, `male${_}enhancement`, `lose${_}weight`, `weight${_}loss`,
    ],
  },
  {
    symbol: 'BODY_SEX_BAIT',
    score: 1.1,
    description: 'Sexual performance and explicit bait: male pilules, last longer in bed, satisfy her',
    phrases: [
      `pilules`, `libido`, `erections?`, `ejaculation`, `(?:rock|stay)${_}hard`, `(?:performance|last${_}longer|stamina)${_}in${_}bed`,
      `satisfy${_}(?:her|your${_}(?:girl|lady|woman|wife|partner))`, `turn${_}her${_}on`, `(?:add|gain|extra)${_}(?:\\d{1,2}${_})?inches`,
      `sexual${_}(?:performance|stamina|power)`, `pussy`, `horny`,
    ],
  },
  {
    symbol: 'BODY_ADULT',
    score: 1.0,
    description: 'Adult and dating bait: hot girls in your area, lonely housewives, private photos (several languages)',
    phrases: [
      `hot${_}(?:girls|singles|women)`, `lonely${_}(?:housewives|women|wives)`, `(?:girls|singles|women)${_}in${_}your${_}area`, `private${_}(?:photos|pics)`,
      `sex${_}(?:partner|date|dates|chat)`, `adult${_}(?:dating|site|videos?)`, `private${_}fotos`, `heiße${_}(?:frauen|girls)`, `mulheres${_}solteiras`, `chicas${_}calientes`,
    ],
  },
  {
    symbol: 'BODY_CRYPTO_CLAIM',
    score: 1.5,
    description: 'Crypto giveaway: airdrop, connect your wallet, claim your tokens',
    phrases: [
      `airdrop(?:s|ping|ped)?`, `connect${_}(?:your${_})?wallet`, `claim${_}(?:your${_})?(?:free${_})?(?:tokens?|nfts?|coins?|airdrop)`,
      `(?:seed|recovery|secret)${_}phrase`, `wallet${_}(?:validation|verification|synchroni[sz]ation|sync)`,
    ],
  },
  {
    symbol: 'BODY_REWARD_POINTS',
    score: 0.8,
    description: 'Reward points about to expire, gift cards, rewards waiting (several languages)',
    phrases: [
      `(?:your${_})?points${_}(?:will${_})?expire`, `(?:your|exclusive)${_}reward`, `reward${_}(?:offer|points)`, `gift${_}card`,
      `punkte${_}verfallen`, `ihre${_}prämie`, `punten${_}(?:verlopen|vervallen)`, `uw${_}beloning`,
      `pontos${_}(?:disponíveis|disponiveis|expiram|acumulados)`, `resgate${_}(?:agora|seus)`, `troque${_}seus${_}pontos`,
      `puntos${_}(?:disponibles|caducan|acumulados)`, `tarjeta${_}regalo`, `points${_}(?:expirent|fidélité)`, `carte${_}cadeau`,
    ],
  },
  {
    symbol: 'BODY_DISCOUNT',
    score: 0.1,
    description: 'A large discount: 80% off (several languages)',
    phrases: [
      `[5-9]\\d${_}?%${_}(?:off|discounts?|rabatt|korting|desconto|descuento|de${_}réduction|de${_}remise)`,
      `(?:save|spare|sparen${_}sie)${_}(?:up${_}to${_})?[5-9]\\d${_}?%`, `-[5-9]\\d${_}?%`,
    ],
  },
  {
    symbol: 'BODY_MONEY_MILLIONS',
    score: 1.4,
    description: 'A sum of a million or more written out in digits ($1,000,000)',
    phrases: MONEY_DIGITS,
  },
  {
    symbol: 'BODY_MONEY_MILLIONS_WORDS',
    score: 0.5,
    description: 'A sum of millions in words (US$ 10.5 million)',
    phrases: MONEY_WORDS,
  },
  {
    symbol: 'BODY_CLICK_HERE',
    score: 0.0,
    description: 'Click here (several languages)',
    phrases: [
      `click${_}(?:here|below|this${_}link|the${_}link)`, `klicken${_}sie${_}(?:hier|auf)`, `klik${_}(?:hier|op)`,
      `clique${_}(?:aqui|no${_}link|abaixo)`, `haga${_}clic`, `pulse${_}aquí`, `cliquez${_}(?:ici|sur)`,
    ],
  },
  {
    symbol: 'BODY_BULK_OPTOUT',
    score: 0.0,
    description: 'Bulk-mail opt-out wording: to be removed from this list (several languages)',
    phrases: [
      `to${_}be${_}removed${_}from`, `remove${_}me`, `(?:you|this${_}e?-?mail)${_}(?:are${_}receiving|was${_}sent)`, `opt[-\\s]?out`,
      `one[-\\s]time${_}(?:mailing|email)`, `(?:not|no${_}longer)${_}(?:wish|want)${_}to${_}receive`, `prefer${_}not${_}to${_}receive`,
      `abmelden`, `abbestellen`, `uitschrijven`, `afmelden`, `descadastr\\p{L}{0,10}`, `cancelar${_}(?:a${_})?inscrição`, `darse${_}de${_}baja`, `darte${_}de${_}baja`,
      `désinscri\\p{L}{0,10}`, `désabonner`, `se${_}désinscrire`,
    ],
  },
];

/**
 * All families as one pattern, one capturing group per family, matched as whole words or
 * phrases (not inside a longer word; Unicode letters, unlike \b; "you won" is not "you won't").
 * One pass over the text finds them all: four times faster than a pass per family.
 */
const ALL_PHRASES = new RegExp(
  `(?<![\\p{L}\\p{N}])(?:${PHRASE_FAMILIES.map((f) => `(${f.phrases.join('|')})`).join('|')})(?![\\p{L}\\p{N}'’])`,
  'gu',
);

export interface PhraseHit {
  symbol: string;
  /** The first phrase of the family found. */
  phrase: string;
}

/** The families with a phrase in the lower-cased text, each once, in the order found. */
export function findPhrases(lowerText: string): PhraseHit[] {
  const found: PhraseHit[] = [];
  const seen = new Set<number>();
  for (const m of lowerText.matchAll(ALL_PHRASES)) {
    const family = m.findIndex((group, i) => i > 0 && group !== undefined) - 1;
    if (family < 0 || seen.has(family)) continue;
    seen.add(family);
    found.push({ symbol: PHRASE_FAMILIES[family]!.symbol, phrase: m[0] });
    if (seen.size === PHRASE_FAMILIES.length) break;
  }
  return found;
}
