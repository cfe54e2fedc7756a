import { ACCESS_PACKAGE, RETENTION_DAYS } from '~/models/policy';
import type { DeclarationInput } from '~/models/datamap/declarations.server';

/**
 * The portal's own processing, declared like any other system's: the portal's row in the map is
 * made with these on first use, then the organisation edits them like the rest. They replace the
 * fixed sentences the access summary used to carry. Texts are English with German and French
 * translations, so the subject's summary and the public notice read in their language.
 */
export const PORTAL_FIDES_KEY = 'privacy_portal';
export const PORTAL_SYSTEM = {
  name: 'Privacy portal',
  description: 'This portal: data-protection requests, accounts, the subprocessor list and its alerts, and the service-status page.',
  securityMeasures:
    'Passwords hashed with argon2id; files and packages encrypted at rest (AES-256-GCM); TLS in transit; a hash-chained audit trail of every staff action; sign-in rate limits; erasure that scrubs dead rows.',
};

export const PORTAL_DECLARATIONS: DeclarationInput[] = [
  {
    name: 'Answering data-protection requests',
    purpose: 'To answer your requests under Art. 12–22 GDPR and to keep proof that we did.',
    dataUse: 'essential.legal_obligation',
    dataCategories: ['user.name', 'user.contact.email', 'user.contact.address', 'user.content.private'],
    dataSubjects: ['customer', 'prospect', 'visitor'],
    legalBasis: 'c',
    retention: {
      kind: 'period',
      period: RETENTION_DAYS.closedRequest,
      unit: 'days',
      trigger: 'after the request closes, then reduced to a proof record without your address',
    },
    source: { fromSubject: true, other: 'The portal itself: the dates and history of each request.' },
    translations: {
      de: {
        name: 'Beantwortung von Datenschutzanträgen',
        purpose: 'Um Ihre Anträge nach Art. 12–22 DSGVO zu beantworten und nachweisen zu können, dass wir es getan haben.',
        retentionTrigger: 'nach Abschluss des Antrags, dann auf einen Nachweis ohne Ihre Adresse reduziert',
        sourceOther: 'Das Portal selbst: die Daten und der Verlauf jedes Antrags.',
      },
      fr: {
        name: 'Réponse aux demandes relatives à la protection des données',
        purpose: 'Pour répondre à vos demandes au titre des art. 12 à 22 du RGPD et conserver la preuve de nos réponses.',
        retentionTrigger: 'après la clôture de la demande, puis réduite à une preuve sans votre adresse',
        sourceOther: 'Le portail lui-même : les dates et l’historique de chaque demande.',
      },
    },
  },
  {
    name: 'Your portal account',
    portalScope: 'account',
    purpose: 'To run your account on this portal: sign-in, sessions and your requests in one place.',
    dataUse: 'essential.service.authentication',
    dataCategories: ['user.contact.email', 'user.authorization.password', 'user.account.settings'],
    dataSubjects: ['customer'],
    legalBasis: 'b',
    retention: { kind: 'rule', rule: 'Until you ask us to erase the account.' },
    source: { fromSubject: true },
    translations: {
      de: {
        name: 'Ihr Portalkonto',
        purpose: 'Um Ihr Konto in diesem Portal zu führen: Anmeldung, Sitzungen und Ihre Anträge an einem Ort.',
        retentionRule: 'Bis Sie uns bitten, das Konto zu löschen.',
      },
      fr: {
        name: 'Votre compte sur le portail',
        purpose: 'Pour gérer votre compte sur ce portail : connexion, sessions et vos demandes au même endroit.',
        retentionRule: 'Jusqu’à ce que vous nous demandiez d’effacer le compte.',
      },
    },
  },
  {
    name: 'Security of sign-in',
    portalScope: 'account',
    purpose: 'To keep accounts and the portal secure: sign-in records with IP addresses and limits on repeated attempts.',
    dataUse: 'essential.service.security',
    dataCategories: ['user.contact.email', 'user.device.ip_address'],
    dataSubjects: ['customer', 'visitor'],
    legalBasis: 'f',
    legitimateInterest: 'Protecting accounts against takeover and the portal against abuse.',
    retention: { kind: 'rule', rule: 'Sign-in records as long as the account; attempt counters for at most a day.' },
    source: { fromSubject: false, other: 'The portal records them while you use it.' },
    translations: {
      de: {
        name: 'Sicherheit der Anmeldung',
        purpose: 'Um Konten und das Portal zu schützen: Anmeldeprotokolle mit IP-Adressen und Grenzen für wiederholte Versuche.',
        legitimateInterest: 'Schutz der Konten vor Übernahme und des Portals vor Missbrauch.',
        retentionRule: 'Anmeldeprotokolle so lange wie das Konto; Zähler für Anmeldeversuche höchstens einen Tag.',
        sourceOther: 'Das Portal zeichnet sie auf, während Sie es nutzen.',
      },
      fr: {
        name: 'Sécurité de la connexion',
        purpose: 'Pour protéger les comptes et le portail : journaux de connexion avec adresses IP et limites aux tentatives répétées.',
        legitimateInterest: 'Protéger les comptes contre leur prise de contrôle et le portail contre les abus.',
        retentionRule: 'Journaux de connexion aussi longtemps que le compte ; compteurs de tentatives un jour au plus.',
        sourceOther: 'Le portail les enregistre pendant que vous l’utilisez.',
      },
    },
  },
  {
    name: 'Alerts you subscribed to',
    portalScope: 'alerts',
    purpose: 'To email you the subprocessor changes and service-status alerts you asked for.',
    dataUse: 'essential.service.notifications.email',
    dataCategories: ['user.contact.email', 'user.demographic.language'],
    dataSubjects: ['customer', 'visitor'],
    legalBasis: 'a',
    consentWithdrawal: 'Unsubscribe with the link in every alert, at any time.',
    retention: { kind: 'rule', rule: `Until you unsubscribe; a subscription never confirmed is deleted after ${RETENTION_DAYS.unconfirmedSubscription} days.` },
    source: { fromSubject: true },
    translations: {
      de: {
        name: 'Von Ihnen abonnierte Benachrichtigungen',
        purpose: 'Um Ihnen die gewünschten Benachrichtigungen über Unterauftragsverarbeiter und den Dienststatus zu senden.',
        consentWithdrawal: 'Jederzeit über den Abmeldelink in jeder Benachrichtigung.',
        retentionRule: `Bis Sie sich abmelden; ein nie bestätigtes Abonnement wird nach ${RETENTION_DAYS.unconfirmedSubscription} Tagen gelöscht.`,
      },
      fr: {
        name: 'Alertes auxquelles vous êtes abonné',
        purpose: 'Pour vous envoyer par e-mail les alertes sur les sous-traitants et l’état du service que vous avez demandées.',
        consentWithdrawal: 'Désabonnez-vous à tout moment avec le lien présent dans chaque alerte.',
        retentionRule: `Jusqu’à votre désabonnement ; un abonnement jamais confirmé est supprimé après ${RETENTION_DAYS.unconfirmedSubscription} jours.`,
      },
    },
  },
  {
    name: 'Objections to subprocessor changes',
    portalScope: 'objections',
    purpose: 'To receive and answer your objections to a new or changed subprocessor (Art. 28(2) GDPR).',
    dataUse: 'essential.legal_obligation',
    dataCategories: ['user.name', 'user.contact.email', 'user.contact.organization', 'user.content.private'],
    dataSubjects: ['customer'],
    legalBasis: 'b',
    retention: { kind: 'rule', rule: 'As long as the contract they concern, and until you ask us to erase them.' },
    source: { fromSubject: true },
    translations: {
      de: {
        name: 'Einwände gegen Änderungen bei Unterauftragsverarbeitern',
        purpose: 'Um Ihre Einwände gegen neue oder geänderte Unterauftragsverarbeiter entgegenzunehmen und zu beantworten (Art. 28 Abs. 2 DSGVO).',
        retentionRule: 'So lange wie der betroffene Vertrag und bis Sie die Löschung verlangen.',
      },
      fr: {
        name: 'Objections aux changements de sous-traitants',
        purpose: 'Pour recevoir vos objections à un sous-traitant nouveau ou modifié et y répondre (art. 28, par. 2, du RGPD).',
        retentionRule: 'Aussi longtemps que le contrat concerné, et jusqu’à ce que vous en demandiez l’effacement.',
      },
    },
  },
  {
    name: 'Your access package',
    purpose: 'To give you a copy of your data (Art. 15 and 20 GDPR).',
    dataUse: 'essential.legal_obligation',
    dataCategories: ['user.name', 'user.contact.email', 'user.content.private'],
    dataSubjects: ['customer'],
    legalBasis: 'c',
    retention: { kind: 'period', period: ACCESS_PACKAGE.downloadDays, unit: 'days', trigger: 'after it was made, or after its last allowed download' },
    source: { fromSubject: false, other: 'Our systems that hold your data.' },
    translations: {
      de: {
        name: 'Ihr Auskunftspaket',
        purpose: 'Um Ihnen eine Kopie Ihrer Daten zu geben (Art. 15 und 20 DSGVO).',
        retentionTrigger: 'nach seiner Erstellung oder nach dem letzten erlaubten Herunterladen',
        sourceOther: 'Unsere Systeme, die Ihre Daten führen.',
      },
      fr: {
        name: 'Votre dossier d’accès',
        purpose: 'Pour vous remettre une copie de vos données (art. 15 et 20 du RGPD).',
        retentionTrigger: 'après sa création, ou après le dernier téléchargement autorisé',
        sourceOther: 'Nos systèmes qui détiennent vos données.',
      },
    },
  },
];
