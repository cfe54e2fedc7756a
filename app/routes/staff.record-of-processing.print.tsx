import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { ProcessingRecordView } from '~/components/processing-record';
import { loadRecord, recordTexts } from './record-of-processing.server';

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.texts.title ?? 'Record of processing activities'} — Privacy Portal` }];

/** The record laid out for paper, in the language chosen; printing it is audited. */
export async function loader(args: LoaderFunctionArgs) {
  const { record, search } = await loadRecord(args, 'record.printed');
  return json({ record, search, texts: recordTexts(record, args.context.config.organisation.name) });
}

export default function PrintableRecord() {
  const { record, search, texts } = useLoaderData<typeof loader>();
  return (
    <article className="printable-report" lang={record.lang}>
      <p className="no-print" lang="en">
        <Link to={`/staff/record-of-processing?${search}`}>← Back to the record</Link>. Use your browser&apos;s Print command to print this page or save it as a
        PDF.
      </p>
      <h1>{texts.title}</h1>
      <p>{texts.lead}</p>
      <ProcessingRecordView record={record} labels={texts.labels} dateLabel={texts.dateLabel} />
    </article>
  );
}
