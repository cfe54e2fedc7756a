import { useTranslation } from '~/utils/i18n-react';
import { Form, Link } from '@remix-run/react';
import { Field, FormError, TextAreaField } from '~/components/field';
import type { FormState } from '~/utils/form-state';
import { translateError } from '~/utils/i18n';

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
  const { t } = useTranslation();
  // Errors come as catalog keys or as sentences already in the page's language.
  const fieldErrors = Object.fromEntries(Object.entries(state?.fieldErrors ?? {}).map(([k, v]) => [k, translateError(t, v)]));
  return (
    <section className="narrow">
      <h1>{t('reply.title', { reference })}</h1>
      {question ? (
        <>
          <h2>{t('reply.asked')}</h2>
          <blockquote className="preserve">{question}</blockquote>
        </>
      ) : null}
      <FormError message={translateError(t, state?.formError)} />
      <Form method="post" encType="multipart/form-data" noValidate>
        <TextAreaField label={t('reply.message')} name="message" rows={6} autoComplete="off" defaultValue={state?.values?.message} error={fieldErrors.message} />
        <Field
          label={t('reply.files')}
          hint={t('reply.filesHint')}
          name="files"
          type="file"
          multiple
          accept="application/pdf,image/png,image/jpeg"
          error={fieldErrors.files}
        />
        <button type="submit">{t('reply.send')}</button>
      </Form>
      <p>
        <Link to={backTo}>{t('reply.back')}</Link>
      </p>
    </section>
  );
}
