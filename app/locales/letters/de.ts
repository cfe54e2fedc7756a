import type { letterEn } from '~/locales/letters/en';

/** Briefe an Betroffene, die nur per Post erreichbar sind (Issue 21). */
export const letterDe: typeof letterEn = {
  title: 'Brief {{reference}}',
  print: 'Diesen Brief drucken',
  printHint: 'Druckt auf A4, die Anschrift passt in das Fenster eines DL-Umschlags.',
  from: 'Absender',
  to: 'Empfänger',
  dateLine: 'Datum: {{date}}',
  referenceLine: 'Unser Zeichen: {{reference}}',
  heading: 'Ihr Datenschutzantrag {{reference}}',
  salutation: 'Guten Tag {{name}},',
  received: 'wir haben Ihren Antrag ({{type}}) am {{date}} per {{channel}} erhalten. Er hat das Aktenzeichen {{reference}}; bitte geben Sie es an, wenn Sie uns schreiben.',
  dueBy: 'Wir antworten bis {{date}}, innerhalb eines Monats nach Eingang, wie es Artikel 12 Absatz 3 DSGVO verlangt. Brauchen wir länger, schreiben wir Ihnen vorher und nennen die Gründe.',
  reachUs: 'Sie erreichen uns unter {{email}} oder per Post: {{address}}.',
  dpo: 'Unser Datenschutzbeauftragter: {{dpo}}.',
  authority: 'Sind Sie mit der Bearbeitung Ihres Antrags nicht zufrieden, können Sie sich bei der Aufsichtsbehörde beschweren: {{name}}, {{address}} ({{url}}).',
  replyByPost: 'Die Frist ruht, bis Sie antworten. Bitte antworten Sie per Post oder E-Mail unter Angabe des Aktenzeichens {{reference}}.',
  closing: 'Mit freundlichen Grüßen',
  signature: 'Das Datenschutzteam von {{org}}',
  channels: {
    web: 'Online-Formular',
    email: 'E-Mail',
    letter: 'Brief',
    phone: 'Telefon',
    in_person: 'persönliche Vorsprache',
    other: 'einen anderen Weg',
  },
};
