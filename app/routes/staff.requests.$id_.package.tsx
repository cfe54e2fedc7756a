import { json, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { Field, FormError } from '~/components/field';
import { ACCESS_PACKAGE } from '~/models/policy';
import { requestTypeLabel } from '~/models/requests/request-types';
import { STATE_LABELS } from '~/models/requests/lifecycle';
import {
  getPackageRequest,
  listPackageFiles,
  PackageFileError,
  packageForStaff,
  removePackageFile,
  takesPackage,
  uploadPackageFiles,
} from '~/models/requests/packages.server';
import { RequestConflictError } from '~/models/requests/transitions.server';
import { requireStaff } from '~/utils/auth.server';
import { badRequest, validateFields, type FormState } from '~/utils/form.server';
import { dateTimeFormat } from '~/utils/intl';
import { invariantResponse } from '~/utils/invariant';
import { readUpload } from '~/utils/upload.server';

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `Package for ${data?.request.reference ?? 'request'} — Staff console — Privacy Portal` },
];

/**
 * Preparing an access or portability answer: files from other systems go into the package
 * (checked by content, encrypted), and a preview shows the ZIP as it would be built now.
 * Completing the request on its page builds and sends the real one.
 */
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  await requireStaff(request, context);
  const found = await getPackageRequest(context.db, params.id ?? '');
  invariantResponse(found && takesPackage(found), 'Not found', { status: 404 });
  const [files, pkg] = await Promise.all([listPackageFiles(context.db, found.id), packageForStaff(context.db, found.id)]);
  return json({
    request: { id: String(found.id), reference: found.reference, type: found.type, state: found.state },
    open: found.state === 'open' || found.state === 'in_progress' || found.state === 'awaiting_subject',
    files: files.map((f) => ({ id: f.id, filename: f.filename, type: f.content_type, size: f.size, sha256: f.sha256, at: f.created_at.toISOString() })),
    built: pkg !== null,
    done: new URL(request.url).searchParams.get('done'),
    timeZone: context.config.timeZone,
  });
}

const removeSchema = z.object({ intent: z.literal('remove'), fileId: z.string().max(64) });

export async function action({ request, params, context }: ActionFunctionArgs) {
  const staff = await requireStaff(request, context);
  const id = params.id ?? '';
  invariantResponse(/^\d{1,18}$/.test(id), 'Not found', { status: 404 });
  const upload = await readUpload(request, { maxFileBytes: ACCESS_PACKAGE.maxFileBytes, maxFiles: 2 });
  if (!upload.ok) return badRequest({ formError: upload.formError }, { status: upload.status, headers: upload.headers });
  const actor = { id: staff.id, ip: context.clientIp };
  try {
    if (upload.fields.intent === 'remove') {
      const form = validateFields(removeSchema, upload.fields, { formError: 'The file could not be removed.' });
      if (!form.ok) return form.reply;
      await removePackageFile(context.db, { requestId: id, fileId: form.data.fileId }, actor);
      return redirect(`/staff/requests/${id}/package?done=removed`);
    }
    await uploadPackageFiles(context.db, { requestId: id, files: upload.files }, actor, { exportKey: context.config.secrets.exportKey });
    return redirect(`/staff/requests/${id}/package?done=uploaded`);
  } catch (error) {
    if (error instanceof PackageFileError) {
      return badRequest({ formError: 'The file could not be added.', fieldErrors: { files: error.message } }, { status: 400 });
    }
    if (error instanceof RequestConflictError) return badRequest({ formError: error.message }, { status: 409 });
    throw error;
  }
}

const DONE: Record<string, string> = { uploaded: 'Added to the package.', removed: 'Removed from the package.' };

export default function StaffRequestPackage() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<FormState>();
  const { request: r } = data;
  const when = (iso: string) => dateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: data.timeZone }).format(new Date(iso));
  const fileError = result?.fieldErrors?.files;
  return (
    <>
      <p>
        <Link to={`/staff/requests/${r.id}`}>← {r.reference}</Link>
      </p>
      <h1>
        Package for {r.reference}: {requestTypeLabel(r.type)}
      </h1>
      {data.done && DONE[data.done] ? (
        <p role="status" className="notice">
          {DONE[data.done]}
        </p>
      ) : null}
      <FormError message={result?.formError} />
      <p>
        Completing the request as <em>done as asked</em> builds a ZIP for the subject: <code>data.json</code> (everything the portal holds on
        them, machine-readable), <code>summary.html</code> (purposes, categories, recipients from the subprocessor registry on the day the request
        was received, retention, rights, the right to complain, the source and automated decision-making, in the subject&apos;s language) and the
        files below. It is stored encrypted; the subject can download it {ACCESS_PACKAGE.maxDownloads} times within {ACCESS_PACKAGE.downloadDays}{' '}
        days, then it is deleted.
      </p>
      <p>
        <a href={`/staff/requests/${r.id}/package-preview`}>Download a preview of the package as it would be built now</a> (the preview is
        recorded in the audit trail).
      </p>

      <h2>Files from other systems</h2>
      {data.files.length === 0 ? <p>None yet.</p> : null}
      {data.files.length > 0 ? (
        <table className="reflow">
          <caption className="visually-hidden">Files in the package</caption>
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Type</th>
              <th scope="col">Size</th>
              <th scope="col">Added</th>
              <th scope="col">
                <span className="visually-hidden">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.files.map((f) => (
              <tr key={f.id}>
                <td data-label="File">{f.filename}</td>
                <td data-label="Type">{f.type}</td>
                <td data-label="Size">{Math.max(1, Math.round(f.size / 1024))} KB</td>
                <td data-label="Added">
                  {when(f.at)} ({data.timeZone})
                </td>
                <td>
                  {data.open ? (
                    <Form method="post" encType="multipart/form-data">
                      <input type="hidden" name="intent" value="remove" />
                      <input type="hidden" name="fileId" value={f.id} />
                      <button type="submit" className="link-button">
                        Remove <span className="visually-hidden">{f.filename}</span>
                      </button>
                    </Form>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}

      {data.open && !data.built ? (
        // Keyed by the files held: after a successful upload the form is a new one, its file
        // input empty (a client-side navigation would otherwise keep the chosen file, inviting
        // a second upload of it). Without JavaScript the redirect loads a fresh page anyway.
        <Form method="post" encType="multipart/form-data" noValidate key={data.files.map((f) => f.id).join(',')}>
          <h3>Add files</h3>
          <Field
            label="Files (CSV, JSON, PDF, PNG or JPEG)"
            hint={`At most ${ACCESS_PACKAGE.maxFileBytes / 1024 / 1024} MB each and ${ACCESS_PACKAGE.maxFiles} in all; two per upload. Each is checked by its content, not its name.`}
            name="files"
            type="file"
            multiple
            accept=".csv,.json,text/csv,application/json,application/pdf,image/png,image/jpeg"
            error={fileError}
          />
          <button type="submit">Upload</button>
        </Form>
      ) : (
        <p>{data.built ? 'The package was built when the request was completed.' : `The request is ${STATE_LABELS[r.state as keyof typeof STATE_LABELS].toLowerCase()}: no more files can be added.`}</p>
      )}
    </>
  );
}
