/** A calendar month in UTC, the period a monthly quota counts in. */
export interface QuotaMonth {
  /** `YYYY-MM`, as the counter's key and the export name it. */
  id: string;
  /** When the next month starts (and the quota resets), epoch ms. */
  resetsAt: number;
}

/** The UTC calendar month `now` (epoch ms) falls in. */
export function quotaMonth(now: number): QuotaMonth {
  const d = new Date(now);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth();
  return { id: `${year}-${String(month + 1).padStart(2, "0")}`, resetsAt: Date.UTC(year, month + 1, 1) };
}
