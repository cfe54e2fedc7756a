/**
 * What staff record when they complete a request, by the types each outcome fits. `label` is
 * the staff page's English; the subject reads `outcomes.<key>` in their language.
 */
export const OUTCOMES: Record<string, { label: string; types: readonly string[] }> = {
  fulfilled: { label: 'Done as asked', types: ['access', 'portability', 'erasure', 'rectification', 'restriction', 'objection'] },
  partial: { label: "Partly: some data withheld (others' rights)", types: ['access', 'portability'] },
  rectified: { label: 'Data corrected', types: ['rectification'] },
  completed_record: { label: 'Incomplete data completed with a supplementary statement', types: ['rectification'] },
  restricted: { label: 'Processing restricted', types: ['restriction'] },
  objection_upheld: { label: 'Objection upheld: processing stopped', types: ['objection'] },
  objection_rejected: { label: 'Objection rejected: compelling legitimate grounds', types: ['objection'] },
};

export type OutcomeKey = keyof typeof OUTCOMES;

/** Outcomes that hand data over: completing with one builds the access or portability package. */
export const PACKAGE_OUTCOMES: readonly string[] = ['fulfilled', 'partial'];

/** The article that lets data be withheld to protect others: Art. 15(4) for access, Art. 20(4) for portability. */
export function withholdingArticle(type: string): '15(4)' | '20(4)' {
  return type === 'portability' ? '20(4)' : '15(4)';
}

/**
 * What the subject reads about the outcome, in their language (`t` is theirs): the outcome,
 * and for a partial answer the article that allowed withholding and staff's reason.
 */
export function subjectOutcomeLines(
  t: (key: string, options?: Record<string, unknown>) => string,
  request: { type: string; outcome: string | null; withheld_reason?: string | null; withheldReason?: string | null },
): string[] {
  if (!request.outcome || !(request.outcome in OUTCOMES)) return [];
  const lines = [t(`outcomes.${request.outcome}`)];
  if (request.outcome === 'partial') {
    lines.push(t(withholdingArticle(request.type) === '20(4)' ? 'outcomes.withheldPortability' : 'outcomes.withheldAccess'));
    lines.push(t('outcomes.withheldWhat', { reason: request.withheld_reason ?? request.withheldReason ?? '' }));
  }
  return lines;
}
