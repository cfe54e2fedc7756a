/**
 * What a subject reads about the identity level of their request (issue 21.3): on the status
 * page and in the emails. Mounted as `verification` in app/locales/{en,de,fr}.ts. Same keys in
 * every language.
 */
export const verificationEn = {
  heading: 'Confirming it is you',
  signIn:
    'To protect your data, we start this request only once you confirm it signed in to your account with {{email}}. Sign in, open this page again and press the button below.',
  signInLink: 'Sign in to your account',
  confirmSignedIn: 'Confirm this request as {{email}}',
  wrongAccount: 'You are signed in with another address. Sign in with {{email}} to confirm this request.',
  code: 'To protect your data, we also need a one-time code that we email to {{email}}. Ask for the code, then enter it here.',
  codeSignIn: 'To protect your data, we start this request only once you confirm it signed in to your account with {{email}}, and enter a one-time code we email to that address.',
  sendCode: 'Email me a code',
  codeLabel: 'The code from the email',
  codeHint: '{{digits}} digits, valid for {{minutes}} minutes.',
  enterCode: 'Confirm the code',
  staff: 'To protect your data, the privacy team will contact you to check that it is you before they start. You need do nothing now.',
  agent:
    'This request was made for another person. It is started once that person confirms it (by the link we emailed them, or signed in to their own account), or once the privacy team has checked your authority to act for them.',
  reached: 'Thank you: your identity is confirmed for this request.',
  mailSignIn: 'To protect your data, we start this request only once you confirm it signed in to your account with this address: sign in, then open the request page and confirm it.',
  mailCode: 'To protect your data, we start this request only once you confirm it signed in to your account and enter a one-time code we email to this address: open the request page to ask for it.',
  mailStaff: 'To protect your data, the privacy team will contact you to check that it is you before they start.',
  codeSubject: 'Your one-time code for request {{reference}}',
  codeHeading: 'Your one-time code',
  codeBody: 'Your code for request {{reference}} is {{code}}. Enter it on the request page within {{minutes}} minutes. If you did not ask for it, ignore this email and tell us.',
  codeNever: 'We never ask for this code by phone or by email.',
  errors: {
    notYours: 'Sign in with the address this request was made for, then try again.',
    codeWrong: 'That code is not right. Check the email and try again.',
    codeExpired: 'That code has expired or was replaced. Ask for a new code.',
    codeLocked: 'Too many wrong tries for this code. Ask for a new code.',
    codeLimit: 'Too many codes were asked for. Try again in an hour.',
    notNeeded: 'Nothing more is needed from you for this request.',
  },
};
