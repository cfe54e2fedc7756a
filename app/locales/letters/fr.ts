import type { letterEn } from '~/locales/letters/en';

/** Les lettres aux personnes joignables par courrier seulement (issue 21). */
export const letterFr: typeof letterEn = {
  title: 'Lettre {{reference}}',
  print: 'Imprimer cette lettre',
  printHint: 'S’imprime en A4, l’adresse dans la fenêtre d’une enveloppe DL.',
  from: 'Expéditeur',
  to: 'Destinataire',
  dateLine: 'Date : {{date}}',
  referenceLine: 'Notre référence : {{reference}}',
  heading: 'Votre demande relative à vos données {{reference}}',
  salutation: 'Bonjour {{name}},',
  received: 'Nous avons reçu votre demande ({{type}}) par {{channel}} le {{date}}. Sa référence est {{reference}} : merci de la rappeler dans vos courriers.',
  dueBy: 'Nous vous répondrons au plus tard le {{date}}, dans le mois suivant la réception comme l’exige l’article 12, paragraphe 3, du RGPD. S’il nous faut plus de temps, nous vous écrirons avant cette date en vous disant pourquoi.',
  reachUs: 'Vous pouvez nous joindre à {{email}} ou par courrier : {{address}}.',
  dpo: 'Notre délégué à la protection des données : {{dpo}}.',
  authority: 'Si notre traitement de votre demande ne vous satisfait pas, vous pouvez saisir l’autorité de contrôle : {{name}}, {{address}} ({{url}}).',
  replyByPost: 'Le délai est suspendu jusqu’à votre réponse. Merci de répondre par courrier ou par e-mail en rappelant la référence {{reference}}.',
  closing: 'Veuillez agréer nos salutations distinguées.',
  signature: 'L’équipe protection des données de {{org}}',
  channels: {
    web: 'notre formulaire en ligne',
    email: 'e-mail',
    letter: 'courrier',
    phone: 'téléphone',
    in_person: 'visite en personne',
    other: 'un autre moyen',
  },
};
