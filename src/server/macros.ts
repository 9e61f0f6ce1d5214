/**
 * Macros as the MTA sent them, remembered per stage (the MACRO command's stage byte).
 * A lookup searches the latest stage first, as libmilter's smfi_getsymval does.
 */
const ORDER = ['C', 'H', 'M', 'R', 'T', 'L', 'N', 'B', 'E'] as const;
/** Stages that belong to one message: forgotten on ABORT. */
const MESSAGE_STAGES = new Set(['M', 'R', 'T', 'L', 'N', 'B', 'E']);

export class Macros {
  private readonly byStage = new Map<string, Readonly<Record<string, string>>>();

  set(stage: string, macros: Record<string, string>): void {
    this.byStage.set(stage, macros);
  }

  get(name: string): string | undefined {
    const bare = name.replace(/^\{(.*)\}$/, '$1');
    const braced = `{${bare}}`;
    for (let i = ORDER.length - 1; i >= 0; i--) {
      const m = this.byStage.get(ORDER[i]!);
      if (!m) continue;
      const v = m[bare] ?? m[braced];
      if (v !== undefined) return v;
    }
    return undefined;
  }

  clearMessage(): void {
    for (const stage of MESSAGE_STAGES) this.byStage.delete(stage);
  }

  clearAll(): void {
    this.byStage.clear();
  }
}
