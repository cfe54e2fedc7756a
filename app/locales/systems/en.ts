/**
 * The words a connected system's owner reads (issue 19): the task mail, its reminders, the
 * cancellation, and the task page. Mounted as `systemTask` in app/locales/{en,de,fr}.ts. Same
 * keys in every language.
 */
export const systemTaskEn = {
  mailSubject: 'Data protection request {{reference}}: {{system}} — please answer by {{due}}',
  reminderSubject: 'Reminder: data protection request {{reference}} for {{system}} is due on {{due}}',
  cancelSubject: 'Data protection request {{reference}} for {{system}} is no longer needed',
  heading: 'A data protection request needs an answer from {{system}}',
  intro: '{{org}} received a {{type}} request (reference {{reference}}). You are the owner of {{system}}, one of the systems that may hold this person’s data.',
  ask: {
    access: 'Please look the person up in {{system}} and upload what it holds about them, or confirm that it holds nothing.',
    portability: 'Please look the person up in {{system}} and upload what it holds about them, or confirm that it holds nothing.',
    erasure: 'Please erase the person’s data from {{system}} and confirm that you did, or confirm that it held nothing.',
    other: 'Please look the person up in {{system}} and answer through the page below.',
  },
  due: 'Please answer by {{due}}.',
  reminder: 'This is a reminder: we have no answer from {{system}} yet.',
  cancelled: 'The request {{reference}} was withdrawn or refused: {{system}} need not do anything more for it.',
  action: 'Open the task',
  linkNote: 'The link is for you alone and works for one answer.',
  page: {
    title: 'Task for {{system}}',
    lead: '{{org}} asks the owner of {{system}} to answer a data protection request.',
    reference: 'Reference',
    requestType: 'Request',
    dueBy: 'Answer by',
    lookFor: 'Look the person up by',
    identity: { email: 'Email address', account_id: 'Account id', name: 'Name', identifiers: 'Other identifiers the person gave' },
    choose: 'Your answer',
    outcome: {
      data: 'We hold data about this person: the files are attached',
      no_data: 'We hold no data about this person',
      erased: 'We erased this person’s data',
      refused: 'We cannot do this (say why)',
    },
    files: 'Files with the person’s data (CSV, JSON, PDF, text or images; up to 20 MB each)',
    attestedBy: 'Your full name',
    attestedHint: 'Your answer is recorded under your name as the system owner’s attestation.',
    note: 'Note (optional; required when you cannot do it)',
    submit: 'Send the answer',
    done: 'Thank you: your answer was recorded.',
    used: 'This task was already answered, or it is no longer needed. Nothing more is needed from you.',
    invalid: 'This link is not valid. It may have been mistyped or have expired.',
    errors: {
      outcome: 'Choose an answer',
      attestedBy: 'Enter your name',
      files: 'Attach the files with the person’s data, or choose another answer',
      note: 'Say why it cannot be done',
      form: 'The answer could not be sent. Check the fields marked below.',
    },
  },
};
