/**
 * Duplicate deliveries: the same Message-ID received more than once. Notification marks a mail delivered right after
 * the SMTP server accepted it; only a crash of the notification worker between the two can resend (same Message-ID,
 * once the claim expires). A duplicate is inside that crash-at-SMTP window when such a kill happened between the
 * first acceptance (less a second of slack: the kill may land while the server's reply is on its way) and the resend.
 */
export interface Duplicate {
  messageId: string;
  copies: number;
  firstAt: number;
  againAt: number;
  /** The death of the notification worker that explains it, if any. */
  attributedTo?: string;
}

export const WINDOW_SLACK_MS = 1000;

/** A death of the notification worker: a kill -9 by the injector, or a crash of its own. */
export interface Death {
  at: number;
  what: string;
}

/** @param receipts Message-ID → the times the sink received it; @param deaths of the notification worker */
export function findDuplicates(receipts: Map<string, number[]>, deaths: Death[]): Duplicate[] {
  const out: Duplicate[] = [];
  for (const [messageId, at] of receipts) {
    if (at.length < 2) continue;
    const [firstAt, againAt] = [...at].sort((a, b) => a - b) as [number, number];
    const death = deaths.find((d) => d.at >= firstAt - WINDOW_SLACK_MS && d.at <= againAt);
    out.push({
      messageId,
      copies: at.length,
      firstAt,
      againAt,
      attributedTo: death && `${death.what} ${death.at - firstAt} ms after the first acceptance`,
    });
  }
  return out;
}
