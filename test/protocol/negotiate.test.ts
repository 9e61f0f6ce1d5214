import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  Action,
  Flag,
  FrameDecoder,
  MacroStage,
  negotiate,
  noReplyFlag,
  ProtocolError,
  type OptNeg,
  type ReplyStage,
  type Wants,
} from '../../protocol/index.js';
import { decodeAnswer } from '../../protocol/testing/mta.js';
import { packet, u32, z } from './bytes.js';

const ALL_ACTIONS = 0x1ff;
const ALL_FLAGS = 0x1fffff;
const V2_FLAGS = 0x7f;
const STAGES: ReplyStage[] = ['connect', 'helo', 'mail', 'rcpt', 'data', 'unknown', 'header', 'eoh', 'body'];
const NR_ALL =
  Flag.NR_CONN | Flag.NR_HELO | Flag.NR_MAIL | Flag.NR_RCPT | Flag.NR_DATA | Flag.NR_UNKN | Flag.NR_HDR | Flag.NR_EOH | Flag.NR_BODY;

const optneg = (version: number, actions = ALL_ACTIONS, protocol = ALL_FLAGS): OptNeg => ({
  kind: 'optneg',
  version,
  actions,
  protocol,
});

const wants = (over: Partial<Wants> = {}): Wants => ({
  requiredActions: Action.ADDHDRS,
  optionalActions: Action.CHGHDRS,
  replyStages: new Set<ReplyStage>(['connect', 'body']),
  skipBody: true,
  macros: {},
  ...over,
});

describe('negotiate', () => {
  it('answers a version 6 MTA with version 6 and exact bytes', () => {
    const n = negotiate(optneg(6), wants());
    expect(n.version).toBe(6);
    expect(n.actions).toBe(Action.ADDHDRS | Action.CHGHDRS);
    const expectedFlags =
      Flag.HDR_LEADSPC | Flag.NOUNKNOWN | Flag.SKIP | (NR_ALL & ~Flag.NR_CONN & ~Flag.NR_BODY);
    expect(n.protocol).toBe(expectedFlags);
    expect(n.reply.toString('hex')).toBe(packet('O', u32(6), u32(0x11), u32(expectedFlags)).toString('hex'));
    expect(n.missingActions).toBe(0);
    expect(n.macros).toEqual({});
  });

  it('answers a version 2 MTA (Postfix milter_protocol = 2) with version 2 and v2 flags only', () => {
    const n = negotiate(optneg(2, 0x3f, V2_FLAGS), wants());
    expect(n.version).toBe(2);
    expect(n.actions).toBe(Action.ADDHDRS | Action.CHGHDRS);
    expect(n.protocol & ~V2_FLAGS).toBe(0);
    expect(n.reply.readUInt32BE(5)).toBe(2);
  });

  it('answers the lower version for 3 and 4, and 6 for a newer MTA', () => {
    expect(negotiate(optneg(3), wants()).version).toBe(3);
    expect(negotiate(optneg(4), wants()).version).toBe(4);
    expect(negotiate(optneg(7), wants()).version).toBe(6);
  });

  it('refuses version 1 and 0', () => {
    expect(() => negotiate(optneg(1), wants())).toThrow(ProtocolError);
    expect(() => negotiate(optneg(0), wants())).toThrow(ProtocolError);
  });

  it('reports required actions the MTA did not offer', () => {
    const n = negotiate(optneg(6, Action.CHGHDRS), wants({ requiredActions: Action.ADDHDRS | Action.QUARANTINE }));
    expect(n.missingActions).toBe(Action.ADDHDRS | Action.QUARANTINE);
    expect(n.actions).toBe(Action.CHGHDRS);
  });

  it('never reports a missing optional action', () => {
    expect(negotiate(optneg(6, Action.ADDHDRS), wants()).missingActions).toBe(0);
  });

  it('asks NR_* exactly for the stages that are not reply stages', () => {
    for (const stage of STAGES) {
      const n = negotiate(optneg(6), wants({ replyStages: new Set([stage]) }));
      expect(n.protocol & noReplyFlag(stage)).toBe(0);
      expect(n.protocol & NR_ALL).toBe(NR_ALL & ~noReplyFlag(stage));
    }
    expect(negotiate(optneg(6), wants({ replyStages: new Set(STAGES) })).protocol & NR_ALL).toBe(0);
  });

  it('asks NOUNKNOWN unless unknown commands are answered', () => {
    expect(negotiate(optneg(6), wants()).protocol & Flag.NOUNKNOWN).toBe(Flag.NOUNKNOWN);
    const n = negotiate(optneg(6), wants({ replyStages: new Set<ReplyStage>(['unknown']) }));
    expect(n.protocol & (Flag.NOUNKNOWN | Flag.NR_UNKN)).toBe(0);
  });

  it('asks SKIP only when skipBody is set and the MTA offers it', () => {
    expect(negotiate(optneg(6), wants({ skipBody: true })).protocol & Flag.SKIP).toBe(Flag.SKIP);
    expect(negotiate(optneg(6), wants({ skipBody: false })).protocol & Flag.SKIP).toBe(0);
    expect(negotiate(optneg(6, ALL_ACTIONS, ALL_FLAGS & ~Flag.SKIP), wants()).protocol & Flag.SKIP).toBe(0);
  });

  it('asks HDR_LEADSPC when offered, not otherwise', () => {
    expect(negotiate(optneg(6), wants()).protocol & Flag.HDR_LEADSPC).toBe(Flag.HDR_LEADSPC);
    expect(negotiate(optneg(6, ALL_ACTIONS, V2_FLAGS), wants()).protocol & Flag.HDR_LEADSPC).toBe(0);
  });

  it('never asks the stage-removing NO* flags other than NOUNKNOWN', () => {
    const noSend = Flag.NOCONNECT | Flag.NOHELO | Flag.NOMAIL | Flag.NORCPT | Flag.NOBODY | Flag.NOHDRS | Flag.NOEOH | Flag.NODATA;
    expect(negotiate(optneg(6), wants()).protocol & noSend).toBe(0);
  });
});

describe('negotiate: SETSYMLIST macro lists', () => {
  const macros = {
    [MacroStage.CONNECT]: ['j', '{daemon_name}'],
    [MacroStage.ENVFROM]: ['i', '{auth_authen}'],
    [MacroStage.EOM]: ['i'],
  };

  it('appends stage and space-separated names, and claims SMFIF_SETSYMLIST', () => {
    const n = negotiate(optneg(6), wants({ macros }));
    const actions = Action.ADDHDRS | Action.CHGHDRS | Action.SETSYMLIST;
    expect(n.actions).toBe(actions);
    const expected = packet(
      'O',
      u32(6),
      u32(actions),
      u32(n.protocol),
      u32(0),
      z('j {daemon_name}'),
      u32(2),
      z('i {auth_authen}'),
      u32(5),
      z('i'),
    );
    expect(n.reply.toString('hex')).toBe(expected.toString('hex'));
    expect(n.macros).toEqual(macros);
    const [frame] = new FrameDecoder().push(n.reply);
    expect(decodeAnswer(frame!)).toMatchObject({ kind: 'optneg', macros: { 0: 'j {daemon_name}', 2: 'i {auth_authen}', 5: 'i' } });
  });

  it('appends nothing when the MTA does not offer SMFIF_SETSYMLIST', () => {
    const n = negotiate(optneg(6, ALL_ACTIONS & ~Action.SETSYMLIST), wants({ macros }));
    expect(n.reply.length).toBe(4 + 13);
    expect(n.actions & Action.SETSYMLIST).toBe(0);
    expect(n.macros).toEqual({});
  });

  it('appends nothing below version 6, even if the bit is offered', () => {
    for (const v of [2, 3, 4, 5]) {
      const n = negotiate(optneg(v), wants({ macros }));
      expect(n.reply.length).toBe(4 + 13);
      expect(n.actions & Action.SETSYMLIST).toBe(0);
    }
  });

  it('skips empty lists and does not claim SETSYMLIST for nothing', () => {
    const n = negotiate(optneg(6), wants({ macros: { [MacroStage.HELO]: [] } }));
    expect(n.reply.length).toBe(4 + 13);
    expect(n.actions & Action.SETSYMLIST).toBe(0);
    const m = negotiate(optneg(6), wants({ macros: { [MacroStage.HELO]: [], [MacroStage.DATA]: ['i'] } }));
    expect(m.reply.subarray(17).toString('hex')).toBe(Buffer.concat([u32(4), z('i')]).toString('hex'));
  });
});

describe('negotiate: properties', () => {
  const stagesArb = fc.subarray(STAGES).map((s) => new Set<ReplyStage>(s));
  const wantsArb = fc.record({
    requiredActions: fc.integer({ min: 0, max: ALL_ACTIONS }),
    optionalActions: fc.integer({ min: 0, max: ALL_ACTIONS }),
    replyStages: stagesArb,
    skipBody: fc.boolean(),
    macros: fc.dictionary(
      fc.constantFrom('0', '1', '2', '3', '4', '5', '6'),
      fc.array(fc.constantFrom('i', 'j', '{daemon_name}', '{auth_authen}'), { maxLength: 3 }),
    ),
  });
  const offerArb = fc.record({
    version: fc.integer({ min: 2, max: 10 }),
    actions: fc.nat({ max: 0xffffffff }),
    protocol: fc.nat({ max: 0xffffffff }),
  });

  it('never claims an action or flag the MTA did not offer', () => {
    fc.assert(
      fc.property(offerArb, wantsArb, (offer, w) => {
        const n = negotiate({ kind: 'optneg', ...offer }, w as Wants);
        expect(n.actions & ~offer.actions).toBe(0);
        expect(n.protocol & ~offer.protocol).toBe(0);
        expect(n.version).toBe(Math.min(offer.version, 6));
        expect(n.missingActions).toBe(w.requiredActions & ~offer.actions);
        expect(n.reply.readUInt32BE(9)).toBe(n.actions >>> 0);
        expect(n.reply.readUInt32BE(13)).toBe(n.protocol >>> 0);
      }),
    );
  });

  it('asks no-reply for a stage only when it is not a reply stage', () => {
    fc.assert(
      fc.property(wantsArb, (w) => {
        const n = negotiate(optneg(6, ALL_ACTIONS, 0xffffffff), w as Wants);
        for (const stage of STAGES) {
          expect((n.protocol & noReplyFlag(stage)) !== 0).toBe(!w.replyStages.has(stage));
        }
        expect((n.protocol & Flag.SKIP) !== 0).toBe(w.skipBody);
      }),
    );
  });
});
