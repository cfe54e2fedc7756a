/**
 * The words of a letter to a subject reached by post (issue 21): the acknowledgement of a request
 * staff logged, and the frame of every later letter. Mounted as `letter` in app/locales/{en,de,fr}.ts.
 * Same keys in every language.
 */
export const letterEn = {
  title: 'Letter {{reference}}',
  print: 'Print this letter',
  printHint: 'Prints on A4 with the address in the window of a DL envelope.',
  from: 'From',
  to: 'To',
  dateLine: 'Date: {{date}}',
  referenceLine: 'Our reference: {{reference}}',
  heading: 'Your data protection request {{reference}}',
  salutation: 'Dear {{name}},',
  received: 'We received your {{type}} request by {{channel}} on {{date}}. Its reference is {{reference}}: please quote it whenever you write to us.',
  dueBy: 'We will answer by {{date}}, one month from receipt as Article 12(3) GDPR requires. If we need more time, we will write to you before then and say why.',
  reachUs: 'You can reach us at {{email}} or by post at {{address}}.',
  dpo: 'Our data protection officer: {{dpo}}.',
  authority: 'If you are not satisfied with how we handle your request, you may complain to the supervisory authority: {{name}}, {{address}} ({{url}}).',
  replyByPost: 'The deadline is paused until you reply. Please reply by post or email, quoting the reference {{reference}}.',
  closing: 'Yours sincerely,',
  signature: 'The privacy team of {{org}}',
  channels: {
    web: 'our online form',
    email: 'email',
    letter: 'letter',
    phone: 'telephone',
    in_person: 'in person',
    other: 'another channel',
  },
};
