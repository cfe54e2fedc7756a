/** Siehe ./en.ts. */
import type { verificationEn } from './en';

export const verificationDe: typeof verificationEn = {
  heading: 'Bestätigen, dass Sie es sind',
  signIn:
    'Zum Schutz Ihrer Daten beginnen wir mit dieser Anfrage erst, wenn Sie sie angemeldet in Ihrem Konto mit {{email}} bestätigen. Melden Sie sich an, öffnen Sie diese Seite erneut und drücken Sie die Schaltfläche unten.',
  signInLink: 'In Ihrem Konto anmelden',
  confirmSignedIn: 'Diese Anfrage als {{email}} bestätigen',
  wrongAccount: 'Sie sind mit einer anderen Adresse angemeldet. Melden Sie sich mit {{email}} an, um diese Anfrage zu bestätigen.',
  code: 'Zum Schutz Ihrer Daten brauchen wir außerdem einen Einmalcode, den wir an {{email}} senden. Fordern Sie den Code an und geben Sie ihn hier ein.',
  codeSignIn: 'Zum Schutz Ihrer Daten beginnen wir mit dieser Anfrage erst, wenn Sie sie angemeldet in Ihrem Konto mit {{email}} bestätigen und einen Einmalcode eingeben, den wir an diese Adresse senden.',
  sendCode: 'Code per E-Mail senden',
  codeLabel: 'Der Code aus der E-Mail',
  codeHint: '{{digits}} Ziffern, {{minutes}} Minuten gültig.',
  enterCode: 'Code bestätigen',
  staff: 'Zum Schutz Ihrer Daten meldet sich das Datenschutzteam bei Ihnen, um zu prüfen, dass Sie es sind, bevor es beginnt. Sie müssen jetzt nichts tun.',
  agent:
    'Diese Anfrage wurde für eine andere Person gestellt. Sie wird bearbeitet, sobald diese Person sie bestätigt (über den Link, den wir ihr gesendet haben, oder angemeldet in ihrem eigenen Konto) oder das Datenschutzteam Ihre Vollmacht geprüft hat.',
  reached: 'Danke: Ihre Identität ist für diese Anfrage bestätigt.',
  mailSignIn: 'Zum Schutz Ihrer Daten beginnen wir mit dieser Anfrage erst, wenn Sie sie angemeldet in Ihrem Konto mit dieser Adresse bestätigen: Melden Sie sich an, öffnen Sie die Seite der Anfrage und bestätigen Sie sie.',
  mailCode: 'Zum Schutz Ihrer Daten beginnen wir mit dieser Anfrage erst, wenn Sie sie angemeldet in Ihrem Konto bestätigen und einen Einmalcode eingeben, den wir an diese Adresse senden: Fordern Sie ihn auf der Seite der Anfrage an.',
  mailStaff: 'Zum Schutz Ihrer Daten meldet sich das Datenschutzteam bei Ihnen, um zu prüfen, dass Sie es sind, bevor es beginnt.',
  codeSubject: 'Ihr Einmalcode für die Anfrage {{reference}}',
  codeHeading: 'Ihr Einmalcode',
  codeBody: 'Ihr Code für die Anfrage {{reference}} lautet {{code}}. Geben Sie ihn innerhalb von {{minutes}} Minuten auf der Seite der Anfrage ein. Wenn Sie ihn nicht angefordert haben, ignorieren Sie diese E-Mail und sagen Sie es uns.',
  codeNever: 'Wir fragen nie telefonisch oder per E-Mail nach diesem Code.',
  errors: {
    notYours: 'Melden Sie sich mit der Adresse an, für die diese Anfrage gestellt wurde, und versuchen Sie es erneut.',
    codeWrong: 'Dieser Code stimmt nicht. Prüfen Sie die E-Mail und versuchen Sie es erneut.',
    codeExpired: 'Dieser Code ist abgelaufen oder wurde ersetzt. Fordern Sie einen neuen Code an.',
    codeLocked: 'Zu viele falsche Versuche für diesen Code. Fordern Sie einen neuen Code an.',
    codeLimit: 'Es wurden zu viele Codes angefordert. Versuchen Sie es in einer Stunde erneut.',
    notNeeded: 'Für diese Anfrage wird von Ihnen nichts weiter benötigt.',
  },
};
