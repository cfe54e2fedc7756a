/** Voir ./en.ts. */
import type { verificationEn } from './en';

export const verificationFr: typeof verificationEn = {
  heading: 'Confirmer que c’est bien vous',
  signIn:
    'Pour protéger vos données, nous ne commençons cette demande qu’une fois que vous l’avez confirmée connecté à votre compte avec {{email}}. Connectez-vous, ouvrez de nouveau cette page et appuyez sur le bouton ci-dessous.',
  signInLink: 'Se connecter à votre compte',
  confirmSignedIn: 'Confirmer cette demande en tant que {{email}}',
  wrongAccount: 'Vous êtes connecté avec une autre adresse. Connectez-vous avec {{email}} pour confirmer cette demande.',
  code: 'Pour protéger vos données, il nous faut aussi un code à usage unique que nous envoyons à {{email}}. Demandez le code, puis saisissez-le ici.',
  codeSignIn: 'Pour protéger vos données, nous ne commençons cette demande qu’une fois que vous l’avez confirmée connecté à votre compte avec {{email}} et saisi un code à usage unique envoyé à cette adresse.',
  sendCode: 'M’envoyer un code',
  codeLabel: 'Le code reçu par e-mail',
  codeHint: '{{digits}} chiffres, valable {{minutes}} minutes.',
  enterCode: 'Confirmer le code',
  staff: 'Pour protéger vos données, l’équipe chargée de la protection des données vous contactera pour vérifier que c’est bien vous avant de commencer. Vous n’avez rien à faire pour l’instant.',
  agent:
    'Cette demande a été faite pour une autre personne. Elle sera traitée dès que cette personne l’aura confirmée (par le lien que nous lui avons envoyé, ou connectée à son propre compte), ou dès que l’équipe aura vérifié votre pouvoir d’agir pour elle.',
  reached: 'Merci : votre identité est confirmée pour cette demande.',
  mailSignIn: 'Pour protéger vos données, nous ne commençons cette demande qu’une fois que vous l’avez confirmée connecté à votre compte avec cette adresse : connectez-vous, puis ouvrez la page de la demande et confirmez-la.',
  mailCode: 'Pour protéger vos données, nous ne commençons cette demande qu’une fois que vous l’avez confirmée connecté à votre compte et saisi un code à usage unique envoyé à cette adresse : demandez-le sur la page de la demande.',
  mailStaff: 'Pour protéger vos données, l’équipe chargée de la protection des données vous contactera pour vérifier que c’est bien vous avant de commencer.',
  codeSubject: 'Votre code à usage unique pour la demande {{reference}}',
  codeHeading: 'Votre code à usage unique',
  codeBody: 'Votre code pour la demande {{reference}} est {{code}}. Saisissez-le sur la page de la demande dans les {{minutes}} minutes. Si vous ne l’avez pas demandé, ignorez cet e-mail et prévenez-nous.',
  codeNever: 'Nous ne vous demandons jamais ce code par téléphone ni par e-mail.',
  errors: {
    notYours: 'Connectez-vous avec l’adresse pour laquelle cette demande a été faite, puis réessayez.',
    codeWrong: 'Ce code n’est pas le bon. Vérifiez l’e-mail et réessayez.',
    codeExpired: 'Ce code a expiré ou a été remplacé. Demandez un nouveau code.',
    codeLocked: 'Trop d’essais erronés pour ce code. Demandez un nouveau code.',
    codeLimit: 'Trop de codes ont été demandés. Réessayez dans une heure.',
    notNeeded: 'Rien de plus n’est nécessaire de votre part pour cette demande.',
  },
};
