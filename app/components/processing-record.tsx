import type { ProcessingRecord } from '~/models/datamap/record.server';
import type { processingEn } from '~/locales/datamap/en';

export type RecordLabels = (typeof processingEn)['record'];

/** The Art. 30 record as a document: the controller's identity, then one block per activity. */
export function ProcessingRecordView({ record, labels, dateLabel }: { record: ProcessingRecord; labels: RecordLabels; dateLabel: string }) {
  const c = record.controller;
  const processor = record.view === 'processor';
  return (
    <div className="processing-record" lang={record.lang}>
      <p>{dateLabel}</p>
      <dl className="facts">
        <dt>{processor ? labels.processorName : labels.controller}</dt>
        <dd>
          {c.name}, {c.address}
        </dd>
        <dt>{labels.contact}</dt>
        <dd>{c.email}</dd>
        <dt>{labels.dpo}</dt>
        <dd>{c.dpo ?? labels.noDpo}</dd>
        {c.representative ? (
          <>
            <dt>Art. 27</dt>
            <dd>{c.representative}</dd>
          </>
        ) : null}
      </dl>
      {record.rows.length === 0 ? <p>{labels.empty}</p> : null}
      {record.rows.map((r) => (
        <section key={r.activityId} className="record-entry" aria-labelledby={`rec-${r.activityId}`}>
          <h2 id={`rec-${r.activityId}`}>{r.name}</h2>
          <dl className="facts">
            <dt>{labels.system}</dt>
            <dd>{r.system}</dd>
            {processor ? (
              <>
                <dt>{labels.controllerFor}</dt>
                <dd>{r.controllerFor}</dd>
                <dt>{labels.categoriesOfProcessing}</dt>
                <dd>
                  {r.purpose} ({r.dataUse})
                </dd>
              </>
            ) : (
              <>
                <dt>{labels.purposes}</dt>
                <dd>{r.purpose}</dd>
                <dt>{labels.legalBasis}</dt>
                <dd>{[r.legalBasis, r.specialCategoryCondition, r.legitimateInterest].filter(Boolean).join('; ')}</dd>
                <dt>{labels.dataSubjects}</dt>
                <dd>{r.dataSubjects.join(', ')}</dd>
                <dt>{labels.dataCategories}</dt>
                <dd>{r.dataCategories.join(', ')}</dd>
                <dt>{labels.recipients}</dt>
                <dd>{r.recipients.join(', ') || labels.none}</dd>
              </>
            )}
            <dt>{labels.transfers}</dt>
            <dd>{r.transfers.join('; ') || labels.none}</dd>
            {processor ? null : (
              <>
                <dt>{labels.retention}</dt>
                <dd>{r.retention}</dd>
              </>
            )}
            <dt>{labels.security}</dt>
            <dd>{r.security || labels.none}</dd>
            <dt>{labels.version}</dt>
            <dd>
              {r.version} ({labels.recordedAt} {r.recordedAt.slice(0, 10)})
            </dd>
          </dl>
        </section>
      ))}
    </div>
  );
}
