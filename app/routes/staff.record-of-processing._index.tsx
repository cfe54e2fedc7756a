import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { Field, FormError, SelectField } from '~/components/field';
import { ProcessingRecordView } from '~/components/processing-record';
import { requireStaff } from '~/utils/auth.server';
import { todayIn } from '~/utils/calendar';
import { loadRecord, recordTexts } from './record-of-processing.server';

export const meta: MetaFunction = () => [{ title: 'Record of processing activities — Staff console — Privacy Portal' }];

export async function loader(args: LoaderFunctionArgs) {
  const { context, request } = args;
  await requireStaff(request, context);
  const today = todayIn(context.config.timeZone);
  try {
    const { record, search, query } = await loadRecord(args);
    return json({ error: null, today, query, search, record, texts: recordTexts(record, context.config.organisation.name) });
  } catch (error) {
    if (error instanceof Response && error.status === 400) {
      const { error: message } = (await error.json()) as { error: string };
      return json({ error: message, today, query: null, search: '', record: null, texts: null }, { status: 400 });
    }
    throw error;
  }
}

export default function RecordOfProcessing() {
  const { error, today, query, search, record, texts } = useLoaderData<typeof loader>();
  return (
    <>
      <p>
        <Link to="/staff">← Staff console</Link>
      </p>
      <h1 lang={record?.lang}>{texts?.title ?? 'Record of processing activities'}</h1>
      {texts ? <p lang={record?.lang}>{texts.lead}</p> : null}
      <p>
        Drawn from the declarations of each <Link to="/staff/systems">system</Link>. Every saved version is kept: choose a past date to show the record as it
        stood then.
      </p>
      <Form method="get" className="filter-form" aria-label="Which record">
        <Field label="As it stood on" name="at" type="date" max={today} defaultValue={query?.date ?? today} />
        <SelectField
          label="Record"
          name="view"
          placeholder="Art. 30(1): as controller"
          options={{ processor: 'Art. 30(2): as processor' }}
          defaultValue={query?.view === 'processor' ? 'processor' : ''}
        />
        <SelectField label="Language" name="lang" placeholder="English" options={{ de: 'Deutsch', fr: 'Français' }} defaultValue={query?.lang === 'en' ? '' : (query?.lang ?? '')} />
        <button type="submit">Show</button>
      </Form>
      <FormError message={error ?? undefined} id="record-error" />
      {record && texts ? (
        <>
          <ul className="actions-list" aria-label="Exports">
            <li>
              <Link to={`/staff/record-of-processing/print?${search}`}>Printable version</Link>
            </li>
            <li>
              <a href={`/staff/record-of-processing.csv?${search}`} download>
                CSV
              </a>
            </li>
            <li>
              <a href={`/staff/record-of-processing.json?${search}`} download>
                JSON
              </a>
            </li>
          </ul>
          <ProcessingRecordView record={record} labels={texts.labels} dateLabel={texts.dateLabel} />
        </>
      ) : null}
    </>
  );
}
