/** What staff record when they complete a request, by the types each outcome fits (shown on the staff page). */
export const OUTCOMES: Record<string, { label: string; types: readonly string[] }> = {
  fulfilled: { label: 'Done as asked', types: ['access', 'portability', 'erasure', 'rectification', 'restriction', 'objection'] },
  rectified: { label: 'Data corrected', types: ['rectification'] },
  completed_record: { label: 'Incomplete data completed with a supplementary statement', types: ['rectification'] },
  restricted: { label: 'Processing restricted', types: ['restriction'] },
  objection_upheld: { label: 'Objection upheld: processing stopped', types: ['objection'] },
  objection_rejected: { label: 'Objection rejected: compelling legitimate grounds', types: ['objection'] },
};
