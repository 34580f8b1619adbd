/**
 * Preloaded into a provider process (node --import) to run its clock ahead or behind by
 * HANDOVER_TEST_CLOCK_SKEW_MS, so tests can show which clock decides expiry.
 */
const skew = Number(process.env.HANDOVER_TEST_CLOCK_SKEW_MS ?? 0);

if (skew !== 0) {
  const RealDate = Date;
  const now = () => RealDate.now() + skew;
  class SkewedDate extends RealDate {
    constructor(...args: unknown[]) {
      if (args.length === 0) {
        super(now());
      } else {
        super(...(args as [string]));
      }
    }

    static override now(): number {
      return now();
    }
  }
  globalThis.Date = SkewedDate as DateConstructor;
}
