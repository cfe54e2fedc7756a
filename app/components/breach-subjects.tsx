import { Form } from '@remix-run/react';

type Subject = { id: string; email: string; language: string; source: string; status: string; when: string | null; attempts: number; error: string | null };

const SOURCES: Record<string, string> = { entered: 'typed in', account: 'account', request: 'request' };

function status(s: Subject): string {
  switch (s.status) {
    case 'selected':
      return 'Not yet told';
    case 'excluded':
      return 'Taken off the list';
    case 'queued':
      return s.attempts > 0 ? `Sending: attempt ${s.attempts} failed, retrying (${s.error ?? 'no answer'})` : `Sending since ${s.when}`;
    case 'sent':
      return `Delivered ${s.when}`;
    case 'failed':
      return `Failed after ${s.attempts} attempts: ${s.error ?? 'unknown error'}`;
    default:
      return s.status;
  }
}

/** The people on a breach's Art. 34 list with the delivery of each one's email; failures first. */
export function BreachSubjects({ subjects }: { subjects: Subject[] }) {
  if (subjects.length === 0) return null;
  return (
    <table className="reflow">
      <caption>People on the list{subjects.length >= 200 ? ' (the first 200: failures, then those not yet told, first)' : ''}</caption>
      <thead>
        <tr>
          <th scope="col">Email</th>
          <th scope="col">Language</th>
          <th scope="col">From</th>
          <th scope="col">Delivery</th>
          <th scope="col">
            <span className="visually-hidden">Action</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {subjects.map((s) => (
          <tr key={s.id}>
            <td data-label="Email" className="preserve">{s.email}</td>
            <td data-label="Language">{s.language}</td>
            <td data-label="From">{SOURCES[s.source] ?? s.source}</td>
            <td data-label="Delivery">{status(s)}</td>
            <td>
              {s.status === 'selected' ? (
                <Form method="post">
                  <input type="hidden" name="intent" value="exclude" />
                  <input type="hidden" name="subjectId" value={s.id} />
                  <button type="submit" className="link-button">
                    Take off the list<span className="visually-hidden"> ({s.email})</span>
                  </button>
                </Form>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
