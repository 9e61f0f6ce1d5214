// libmilter wire constants, named as in Sendmail's include/libmilter/mfdef.h.
// Values are the single bytes (commands, replies) or bit masks (actions, protocol flags)
// that travel on the wire; see SPEC.md for the layout of each frame.

/** MTA → milter command bytes (SMFIC_*). */
export const Command = {
  ABORT: 0x41, // 'A' SMFIC_ABORT
  BODY: 0x42, // 'B' SMFIC_BODY
  CONNECT: 0x43, // 'C' SMFIC_CONNECT
  MACRO: 0x44, // 'D' SMFIC_MACRO
  BODYEOB: 0x45, // 'E' SMFIC_BODYEOB
  HELO: 0x48, // 'H' SMFIC_HELO
  QUIT_NC: 0x4b, // 'K' SMFIC_QUIT_NC [v6]
  HEADER: 0x4c, // 'L' SMFIC_HEADER
  MAIL: 0x4d, // 'M' SMFIC_MAIL
  EOH: 0x4e, // 'N' SMFIC_EOH
  OPTNEG: 0x4f, // 'O' SMFIC_OPTNEG
  QUIT: 0x51, // 'Q' SMFIC_QUIT
  RCPT: 0x52, // 'R' SMFIC_RCPT
  DATA: 0x54, // 'T' SMFIC_DATA [v4]
  UNKNOWN: 0x55, // 'U' SMFIC_UNKNOWN [v3]
} as const;

/** Milter → MTA reply and modification bytes (SMFIR_*). */
export const Reply = {
  ADDRCPT: 0x2b, // '+' SMFIR_ADDRCPT
  DELRCPT: 0x2d, // '-' SMFIR_DELRCPT
  ADDRCPT_PAR: 0x32, // '2' SMFIR_ADDRCPT_PAR [v6]
  SHUTDOWN: 0x34, // '4' SMFIR_SHUTDOWN
  ACCEPT: 0x61, // 'a' SMFIR_ACCEPT
  REPLBODY: 0x62, // 'b' SMFIR_REPLBODY
  CONTINUE: 0x63, // 'c' SMFIR_CONTINUE
  DISCARD: 0x64, // 'd' SMFIR_DISCARD
  CHGFROM: 0x65, // 'e' SMFIR_CHGFROM [v6]
  CONN_FAIL: 0x66, // 'f' SMFIR_CONN_FAIL
  ADDHEADER: 0x68, // 'h' SMFIR_ADDHEADER
  INSHEADER: 0x69, // 'i' SMFIR_INSHEADER
  SETSYMLIST: 0x6c, // 'l' SMFIR_SETSYMLIST [v6]
  CHGHEADER: 0x6d, // 'm' SMFIR_CHGHEADER
  PROGRESS: 0x70, // 'p' SMFIR_PROGRESS
  QUARANTINE: 0x71, // 'q' SMFIR_QUARANTINE
  REJECT: 0x72, // 'r' SMFIR_REJECT
  SKIP: 0x73, // 's' SMFIR_SKIP [v6]
  TEMPFAIL: 0x74, // 't' SMFIR_TEMPFAIL
  REPLYCODE: 0x79, // 'y' SMFIR_REPLYCODE
  OPTNEG: 0x4f, // 'O' the negotiation answer reuses SMFIC_OPTNEG
} as const;

/** Actions the milter may take at end of message (SMFIF_*), offered by the MTA in OPTNEG. */
export const Action = {
  ADDHDRS: 0x01, // SMFIF_ADDHDRS: add headers
  CHGBODY: 0x02, // SMFIF_CHGBODY: replace body
  ADDRCPT: 0x04, // SMFIF_ADDRCPT: add recipients
  DELRCPT: 0x08, // SMFIF_DELRCPT: remove recipients
  CHGHDRS: 0x10, // SMFIF_CHGHDRS: change or delete headers
  QUARANTINE: 0x20, // SMFIF_QUARANTINE: put message on hold
  CHGFROM: 0x40, // SMFIF_CHGFROM [v6]: change envelope sender
  ADDRCPT_PAR: 0x80, // SMFIF_ADDRCPT_PAR [v6]: add recipients with ESMTP args
  SETSYMLIST: 0x100, // SMFIF_SETSYMLIST [v6]: choose the macros sent per stage
} as const;

/** Protocol flags (SMFIP_*): what the MTA may leave out or not wait a reply for. */
export const Flag = {
  NOCONNECT: 0x1, // SMFIP_NOCONNECT
  NOHELO: 0x2, // SMFIP_NOHELO
  NOMAIL: 0x4, // SMFIP_NOMAIL
  NORCPT: 0x8, // SMFIP_NORCPT
  NOBODY: 0x10, // SMFIP_NOBODY
  NOHDRS: 0x20, // SMFIP_NOHDRS
  NOEOH: 0x40, // SMFIP_NOEOH
  NR_HDR: 0x80, // SMFIP_NR_HDR (alias SMFIP_NOHREPL): no reply to each header
  NOUNKNOWN: 0x100, // SMFIP_NOUNKNOWN
  NODATA: 0x200, // SMFIP_NODATA
  SKIP: 0x400, // SMFIP_SKIP: the MTA understands SMFIR_SKIP
  RCPT_REJ: 0x800, // SMFIP_RCPT_REJ: also send rejected recipients
  NR_CONN: 0x1000, // SMFIP_NR_CONN
  NR_HELO: 0x2000, // SMFIP_NR_HELO
  NR_MAIL: 0x4000, // SMFIP_NR_MAIL
  NR_RCPT: 0x8000, // SMFIP_NR_RCPT
  NR_DATA: 0x10000, // SMFIP_NR_DATA
  NR_UNKN: 0x20000, // SMFIP_NR_UNKN
  NR_EOH: 0x40000, // SMFIP_NR_EOH
  NR_BODY: 0x80000, // SMFIP_NR_BODY
  HDR_LEADSPC: 0x100000, // SMFIP_HDR_LEADSPC: header values keep their leading space
  MDS_256K: 0x10000000, // SMFIP_MDS_256K
  MDS_1M: 0x20000000, // SMFIP_MDS_1M
} as const;

/** Macro stages (SMFIM_*), used in SETSYMLIST. */
export const MacroStage = {
  CONNECT: 0,
  HELO: 1,
  ENVFROM: 2,
  ENVRCPT: 3,
  DATA: 4,
  EOM: 5,
  EOH: 6,
} as const;
export type MacroStage = (typeof MacroStage)[keyof typeof MacroStage];

/** Highest protocol version we speak; libmilter 8.14+ and Postfix 2.6+ speak 6. */
export const MILTER_VERSION = 6;
/** Oldest version we still serve: Postfix `milter_protocol = 2` and old Sendmail. */
export const MIN_MILTER_VERSION = 2;

/**
 * Largest frame accepted by default. Postfix sends one header per frame and does not cap a
 * header's length at 64 KiB, so 1 MiB leaves room while refusing a hostile 4 GiB length
 * before any buffer is sized by it.
 */
export const MAX_FRAME_BYTES = 1024 * 1024;

/** libmilter's MILTER_CHUNK_SIZE: body chunks (and SMFIR_REPLBODY pieces) are at most this. */
export const MAX_BODY_CHUNK = 65535;
