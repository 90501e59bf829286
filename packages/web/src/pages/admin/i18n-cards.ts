/** Strings of the sign-in cards section of the users page (namespace `admin`, key `cards`), English and French (issue 18). */
export const adminCards = {
  en: {
    cards: {
      title: "Sign-in cards",
      intro:
        "For students without an e-mail address: one printable card per student of a group, with a single-use QR code that leads to choosing a password. Students who already have a password or are disabled get no card; printing again replaces the earlier cards.",
      group: "Student group",
      noGroup: "No student group yet: create one on the School page.",
      download: "Download the cards (PDF)",
      busy: "Preparing the cards…",
      created_one: "{{count}} card created.",
      created_other: "{{count}} cards created.",
      skipped_one: "{{count}} student skipped (already has a password or is disabled).",
      skipped_other: "{{count}} students skipped (already have a password or are disabled).",
      skippedTitle: "Students without a card",
      reason: {
        has_password: "already has a password",
        disabled: "account disabled",
        not_member: "not a student of this group"
      },
      skippedMore_one: "and {{count}} more student.",
      skippedMore_other: "and {{count}} more students."
    }
  },
  fr: {
    cards: {
      title: "Cartes de connexion",
      intro:
        "Pour les élèves sans adresse e-mail : une carte imprimable par élève d'un groupe, avec un QR code à usage unique qui mène au choix d'un mot de passe. Les élèves qui ont déjà un mot de passe ou sont désactivés n'ont pas de carte ; imprimer à nouveau remplace les cartes précédentes.",
      group: "Groupe d'élèves",
      noGroup: "Aucun groupe d'élèves pour l'instant : créez-en un sur la page Établissement.",
      download: "Télécharger les cartes (PDF)",
      busy: "Préparation des cartes…",
      created_one: "{{count}} carte créée.",
      created_other: "{{count}} cartes créées.",
      skipped_one: "{{count}} élève ignoré (a déjà un mot de passe ou est désactivé).",
      skipped_other: "{{count}} élèves ignorés (ont déjà un mot de passe ou sont désactivés).",
      skippedTitle: "Élèves sans carte",
      reason: {
        has_password: "a déjà un mot de passe",
        disabled: "compte désactivé",
        not_member: "pas élève de ce groupe"
      },
      skippedMore_one: "et {{count}} autre élève.",
      skippedMore_other: "et {{count}} autres élèves."
    }
  }
} as const
