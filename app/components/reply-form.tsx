import { Form, Link } from '@remix-run/react';
import { FormError, TextAreaField } from '~/components/field';
import type { FormState } from '~/utils/form-state';

/** Answering the privacy team: text and up to four PDF, PNG or JPEG files, posted as multipart. */
export function ReplyForm({
  reference,
  question,
  backTo,
  state,
}: {
  reference: string;
  question: string | null;
  backTo: string;
  /** The action's answer when the reply was refused. */
  state?: FormState;
}) {
  const fieldErrors = state?.fieldErrors ?? {};
  return (
    <section className="narrow">
      <h1>Reply about request {reference}</h1>
      {question ? (
        <>
          <h2>The privacy team asked</h2>
          <blockquote className="preserve">{question}</blockquote>
        </>
      ) : null}
      <FormError message={state?.formError} />
      <Form method="post" encType="multipart/form-data" noValidate>
        <TextAreaField label="Your reply" name="message" rows={6} autoComplete="off" defaultValue={state?.values?.message} error={fieldErrors.message} />
        <div className="field">
          <label htmlFor="field-files">Attachments (optional)</label>
          <p className="hint" id="field-files-hint">
            Up to 4 files, PDF, PNG or JPEG, at most 10 MB each — for example proof that you may act for someone.
          </p>
          {fieldErrors.files ? (
            <p className="field-error" id="field-files-error">
              {fieldErrors.files}
            </p>
          ) : null}
          <input
            id="field-files"
            name="files"
            type="file"
            multiple
            accept="application/pdf,image/png,image/jpeg"
            aria-invalid={fieldErrors.files ? true : undefined}
            aria-describedby={fieldErrors.files ? 'field-files-error field-files-hint' : 'field-files-hint'}
          />
        </div>
        <button type="submit">Send reply</button>
      </Form>
      <p>
        <Link to={backTo}>Back to the request</Link>
      </p>
    </section>
  );
}
