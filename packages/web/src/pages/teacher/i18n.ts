/** Strings of the teacher pages (i18next namespace `teacher`), English and French (issue 17). */
export const teacher = {
  en: {
    today: {
      title: "Today's courses",
      none: "No course today.",
      screen: "Classroom screen",
      roll: "Roll"
    },
    screen: {
      title: "Classroom screen",
      qrAlt: "QR code to sign in to this course",
      typeCode: "Or type this code:",
      nextIn: "Time until the next code",
      seconds_one: "new code in {{count}} second",
      seconds_other: "new code in {{count}} seconds",
      fullscreen: "Full screen",
      toRoll: "Live roll",
      signed: "{{signed}} of {{total}} students signed"
    },
    roll: {
      title: "Roll",
      student: "Student",
      result: "Result",
      signedAt: "Signed at",
      select: "Select {{name}}",
      selectAll: "Select all students",
      markAs: "Mark selected as",
      apply_one: "Mark {{count}} student",
      apply_other: "Mark {{count}} students",
      marked_one: "{{count}} student marked.",
      marked_other: "{{count}} students marked.",
      csv: "Download CSV",
      closed: "closed",
      close: "Close the course",
      closeConfirm_one: "Close signing now? {{count}} student not marked yet will be marked absent.",
      closeConfirm_other: "Close signing now? {{count}} students not marked yet will be marked absent.",
      closedNow_one: "The course is closed; {{count}} student marked absent.",
      closedNow_other: "The course is closed; {{count}} students marked absent.",
      live: { connecting: "connecting…", live: "live", retrying: "reconnecting…" }
    },
    result: {
      PRESENT: "Present",
      LATE: "Late",
      ABSENT: "Absent",
      EXCUSED: "Excused",
      UNMARKED: "Not marked"
    },
    excuses: {
      title: "Excuses to decide",
      none: "No excuse waiting for a decision.",
      student: "Student",
      attachment: "Open the attachment ({{name}})",
      comment: "Comment (optional)",
      approve: "Approve",
      reject: "Reject",
      reason: {
        illness: "Illness",
        family: "Family",
        transport: "Transport",
        appointment: "Appointment",
        other: "Other"
      }
    },
    reports: {
      title: "Reports",
      range: "Your courses of the last {{days}} days.",
      none: "No course in this period.",
      chart: "Attendance rate per course",
      course: "Course",
      rate: "Rate",
      csv: "Download CSV"
    }
  },
  fr: {
    today: {
      title: "Cours du jour",
      none: "Aucun cours aujourd'hui.",
      screen: "Écran de la salle",
      roll: "Appel"
    },
    screen: {
      title: "Écran de la salle",
      qrAlt: "QR code pour émarger à ce cours",
      typeCode: "Ou saisissez ce code :",
      nextIn: "Temps avant le prochain code",
      seconds_one: "nouveau code dans {{count}} seconde",
      seconds_other: "nouveau code dans {{count}} secondes",
      fullscreen: "Plein écran",
      toRoll: "Appel en direct",
      signed: "{{signed}} élèves sur {{total}} ont émargé"
    },
    roll: {
      title: "Appel",
      student: "Élève",
      result: "Résultat",
      signedAt: "Émargé à",
      select: "Sélectionner {{name}}",
      selectAll: "Sélectionner tous les élèves",
      markAs: "Marquer la sélection comme",
      apply_one: "Marquer {{count}} élève",
      apply_other: "Marquer {{count}} élèves",
      marked_one: "{{count}} élève marqué.",
      marked_other: "{{count}} élèves marqués.",
      csv: "Télécharger le CSV",
      closed: "clos",
      close: "Clôturer le cours",
      closeConfirm_one: "Fermer la signature maintenant ? {{count}} élève non marqué sera noté absent.",
      closeConfirm_other: "Fermer la signature maintenant ? {{count}} élèves non marqués seront notés absents.",
      closedNow_one: "Le cours est clôturé ; {{count}} élève noté absent.",
      closedNow_other: "Le cours est clôturé ; {{count}} élèves notés absents.",
      live: { connecting: "connexion…", live: "en direct", retrying: "reconnexion…" }
    },
    result: {
      PRESENT: "Présent",
      LATE: "En retard",
      ABSENT: "Absent",
      EXCUSED: "Excusé",
      UNMARKED: "Non marqué"
    },
    excuses: {
      title: "Justificatifs à traiter",
      none: "Aucun justificatif en attente.",
      student: "Élève",
      attachment: "Ouvrir la pièce jointe ({{name}})",
      comment: "Commentaire (facultatif)",
      approve: "Accepter",
      reject: "Refuser",
      reason: {
        illness: "Maladie",
        family: "Famille",
        transport: "Transport",
        appointment: "Rendez-vous",
        other: "Autre"
      }
    },
    reports: {
      title: "Rapports",
      range: "Vos cours des {{days}} derniers jours.",
      none: "Aucun cours sur cette période.",
      chart: "Taux de présence par cours",
      course: "Cours",
      rate: "Taux",
      csv: "Télécharger le CSV"
    }
  }
} as const
